/**
 * One PostgreSQL cluster driven directly through its binaries (no pg_ctl):
 * `initCluster` (initdb), `startServer` (the postmaster as a detached process
 * listening on 127.0.0.1 only, no Unix socket, its output appended to a log
 * file) and `stopPostmaster`. Used by the demo's embedded server and by the
 * test suite's throwaway server.
 *
 * PostgreSQL refuses to run as root. Run as root, the server runs as an
 * unprivileged user (`postgres` when it exists, else `nobody`) that owns the
 * data directory. That user may not be able to reach the directory by its
 * path (the cache lives under root's home, mode 0700), so the server is
 * started with the data directory as its working directory and `-D
 * /proc/self/cwd`: the kernel resolves that link to the directory whatever
 * its parents' permissions, and every process the postmaster forks inherits
 * it.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { chown, mkdir, open, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { RunError, errorMessage } from '../core/errors.js';
import { monotonicClock, type WaitClock } from '../core/clock.js';
import type { PgBinaries } from './binaries.js';

/** The unprivileged user a root process runs the server as. */
export interface ServerUser { name: string; uid: number; gid: number }

/** `name:x:uid:gid:…` lines of /etc/passwd: the entry of `name`, or null. Pure. */
export const passwdEntry = (passwd: string, name: string): ServerUser | null => {
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 4) return { name, uid: Number(f[2]), gid: Number(f[3]) };
  }
  return null;
};

/** Null when this process is not root (the server runs as us); else `postgres`, or `nobody` where no `postgres` user exists. */
export const serverUser = (): ServerUser | null => {
  if (process.getuid?.() !== 0) return null;
  const passwd = existsSync('/etc/passwd') ? readFileSync('/etc/passwd', 'utf8') : '';
  const user = passwdEntry(passwd, 'postgres') ?? passwdEntry(passwd, 'nobody');
  if (user === null) throw new RunError('PS_PG_USER', 'running as root, and there is no postgres or nobody user to run PostgreSQL as (it refuses to run as root)');
  return user;
};

/** Spawn options that run a server binary as `user` in `dir` (see the file's comment for `-D /proc/self/cwd`). */
const asUser = (user: ServerUser | null, dir: string): { cwd: string; uid?: number; gid?: number } =>
  user === null ? { cwd: dir } : { cwd: dir, uid: user.uid, gid: user.gid };

/** The `-D` argument for a data directory the server process has as its working directory. */
const dataArg = (user: ServerUser | null, dataDir: string): string => (user === null ? dataDir : '/proc/self/cwd');

/** Creates `dir` (and parents) owned by the server user, mode 0700. */
const ownedDir = async (dir: string, user: ServerUser | null): Promise<void> => {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (user !== null) await chown(dir, user.uid, user.gid);
};

/** Runs a binary to completion (its stdin from `stdinFd`, else empty); rejects with its output when it fails. */
const runTool = (file: string, args: string[], opts: { cwd: string; uid?: number; gid?: number; stdinFd?: number }): Promise<void> =>
  new Promise((resolve, reject) => {
    const { stdinFd, ...spawnOpts } = opts;
    const child = spawn(file, args, { ...spawnOpts, stdio: [stdinFd ?? 'ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let output = '';
    child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${file} failed (${signal ?? `code ${code}`}): ${output.trim().slice(-2000)}`))));
  });

export interface InitOptions {
  bin: PgBinaries;
  /** The data directory to create; must not exist. */
  dataDir: string;
  user: ServerUser | null;
  /** The superuser's password (scram-sha-256 for every connection), or null for `trust` (throwaway test servers). */
  password: string | null;
}

/**
 * initdb into a sibling `<dataDir>.init` directory, renamed into place once
 * complete, so an interrupted initdb never leaves a half-made cluster.
 * Superuser `postgres`, UTF8, C locale, no fsync during initdb.
 */
export const initCluster = async (opts: InitOptions): Promise<void> => {
  const tmp = `${opts.dataDir}.init`;
  await rm(tmp, { recursive: true, force: true });
  await ownedDir(tmp, opts.user);
  const args = ['-D', dataArg(opts.user, tmp), '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'];
  args.push(...(opts.password === null ? ['--auth=trust'] : ['--auth=scram-sha-256', '--pwfile=/dev/stdin']));
  // The password reaches initdb as its stdin: a file of the server user's (it reopens /dev/stdin, which a pipe would not allow).
  const pwFile = `${opts.dataDir}.pw`;
  let pw: FileHandle | null = null;
  try {
    if (opts.password !== null) {
      await writeFile(pwFile, `${opts.password}\n`, { mode: 0o600 });
      if (opts.user !== null) await chown(pwFile, opts.user.uid, opts.user.gid);
      pw = await open(pwFile, 'r');
    }
    await runTool(join(opts.bin.binDir, 'initdb'), args, { ...asUser(opts.user, tmp), ...(pw === null ? {} : { stdinFd: pw.fd }) });
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw new RunError('PS_PG_INITDB', `initdb failed in ${opts.dataDir}: ${errorMessage(e)}`, { cause: e });
  } finally {
    await pw?.close();
    await rm(pwFile, { force: true });
  }
  await rename(tmp, opts.dataDir);
};

/** The major version a data directory was made by (its PG_VERSION), or null when it holds no cluster. */
export const clusterVersion = async (dataDir: string): Promise<string | null> => {
  const file = join(dataDir, 'PG_VERSION');
  return existsSync(file) ? (await readFile(file, 'utf8')).trim() : null;
};

/** Server settings, `-c name=value` each. */
export type ServerSettings = Readonly<Record<string, string | number>>;

/** `-c name=value` arguments for the settings, in order. Pure. */
export const settingsArgs = (settings: ServerSettings): string[] => Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]);

/** Settings every server started here has: 127.0.0.1 only, no Unix socket, the observer's extensions, UTC, logs to stderr (the log file). */
export const BASE_SETTINGS: ServerSettings = {
  listen_addresses: '127.0.0.1',
  unix_socket_directories: '',
  shared_preload_libraries: 'pg_stat_statements,auto_explain',
  logging_collector: 'off',
  log_destination: 'stderr',
  timezone: 'UTC',
  log_timezone: 'UTC',
};

/** A free TCP port on 127.0.0.1 (free when asked; the server's start retries if another process takes it first). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });

/** The state letter in /proc/PID/stat (`Z` for a zombie), or null where there is no /proc entry. */
const procState = (pid: number): string | null => {
  try {
    return /\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1] ?? null;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
};

/**
 * True while a process with this pid runs (EPERM: it exists, owned by
 * someone else). A zombie (exited, not yet reaped by its parent) counts as
 * gone: it holds no resources and will never act again.
 */
export const pidAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return procState(pid) !== 'Z';
};

/**
 * The pid of a postmaster still running on `dataDir` (from its
 * postmaster.pid), or null. Where /proc exists, the process must also have
 * `dataDir` as its working directory (every postmaster chdirs there), so a
 * pid reused by another process after a reboot is never taken for it.
 */
export const runningPostmaster = (dataDir: string): number | null => {
  const file = join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !pidAlive(pid)) return null;
  if (!existsSync('/proc/self/cwd')) return pid;
  try {
    return readlinkSync(`/proc/${pid}/cwd`) === realpathSync(dataDir) ? pid : null;
  } catch (e) {
    // Gone in between, or not ours to inspect: not a server we may stop.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'EACCES') return null;
    throw e;
  }
};

/** Waits until `pid` is gone, at most `timeoutMs`; true when it is. */
const waitGone = async (pid: number, timeoutMs: number, clock: WaitClock): Promise<boolean> => {
  const t0 = clock.nowMs();
  while (pidAlive(pid)) {
    if (clock.nowMs() - t0 >= timeoutMs) return false;
    await clock.sleep(50);
  }
  return true;
};

/**
 * Stops a postmaster: SIGINT (fast shutdown: sessions are ended, a
 * checkpoint written), then SIGQUIT (immediate) after `fastMs`, then SIGKILL
 * after 5 s more. Resolves once the process is gone. Waits on `clock` [the real one].
 */
export const stopPostmaster = async (pid: number, fastMs = 15_000, clock: WaitClock = monotonicClock): Promise<void> => {
  for (const [sig, waitMs] of [['SIGINT', fastMs], ['SIGQUIT', 5000], ['SIGKILL', 5000]] as const) {
    try {
      process.kill(pid, sig);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') return;
      throw e;
    }
    if (await waitGone(pid, waitMs, clock)) return;
  }
};

/** The last lines of a log file, for an error message. */
export const logTail = async (file: string, lines = 15): Promise<string> =>
  existsSync(file) ? (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n') : '';

export interface StartOptions {
  bin: PgBinaries;
  dataDir: string;
  user: ServerUser | null;
  /** The server's output is appended here (server messages, auto_explain plans). */
  logFile: string;
  settings: ServerSettings;
  /** Connection URL pieces: the password (null: trust) and the database to check readiness on. */
  password: string | null;
  /** How long to wait for the server to accept connections, ms (default 60 s). */
  readyTimeoutMs?: number;
  /** What the start-up wait reads and sleeps on [the real clock]. */
  clock?: WaitClock;
}

export interface RunningServer {
  pid: number;
  port: number;
  /** `postgres://postgres[:password]@127.0.0.1:port/postgres`. */
  url: string;
  /** Fast shutdown (stopPostmaster). */
  stop(): Promise<void>;
}

/** `postgres://postgres[:password]@127.0.0.1:port/database`. Pure. */
export const serverUrl = (port: number, password: string | null, database = 'postgres'): string =>
  `postgres://postgres${password === null ? '' : `:${encodeURIComponent(password)}`}@127.0.0.1:${port}/${database}`;

/** Connects once; true when the server accepts connections. */
const accepts = async (url: string): Promise<boolean> => {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    return true;
  } catch (e) {
    if (/ECONNREFUSED|starting up|not yet accepting|timeout/i.test(errorMessage(e))) return false;
    throw e;
  } finally {
    await c.end().catch(() => undefined);
  }
};

/** One attempt on one port: spawns the postmaster (its own process group) and waits until it accepts connections. */
const startOnce = async (opts: StartOptions, port: number): Promise<RunningServer | 'port-taken'> => {
  const log = await open(opts.logFile, 'a', 0o600);
  const startedAt = (await log.stat()).size;
  const args = ['-D', dataArg(opts.user, opts.dataDir), ...settingsArgs({ ...opts.settings, port })];
  const child = spawn(join(opts.bin.binDir, 'postgres'), args, {
    ...asUser(opts.user, opts.dataDir), detached: true, stdio: ['ignore', log.fd, log.fd], env: { ...process.env, LC_ALL: 'C' },
  });
  await log.close();
  child.unref();
  const state: { exit: string | null } = { exit: null };
  child.once('exit', (code, signal) => (state.exit = signal ?? `code ${code}`));
  child.once('error', (e) => (state.exit = errorMessage(e)));
  const url = serverUrl(port, opts.password);
  const timeoutMs = opts.readyTimeoutMs ?? 60_000;
  const clock = opts.clock ?? monotonicClock;
  const t0 = clock.nowMs();
  for (;;) {
    if (state.exit !== null) {
      const text = (await readFile(opts.logFile, 'utf8')).slice(startedAt);
      if (/could not bind|Address already in use/i.test(text)) return 'port-taken';
      throw new RunError('PS_PG_START', `PostgreSQL exited (${state.exit}) while starting:\n${text.trimEnd().split('\n').slice(-15).join('\n')}`);
    }
    if (await accepts(url)) break;
    if (clock.nowMs() - t0 > timeoutMs) {
      if (child.pid !== undefined) await stopPostmaster(child.pid, 5000, clock);
      throw new RunError('PS_PG_START', `PostgreSQL did not accept connections within ${timeoutMs / 1000} s; its log:\n${await logTail(opts.logFile)}`);
    }
    await clock.sleep(100);
  }
  const pid = child.pid as number;
  return { pid, port, url, stop: () => stopPostmaster(pid, undefined, clock) };
};

/** Starts the server on a free port of 127.0.0.1 (up to three ports, should another process take one first). */
export const startServer = async (opts: StartOptions): Promise<RunningServer> => {
  for (let attempt = 0; attempt < 3; attempt++) {
    const r = await startOnce(opts, await freePort());
    if (r !== 'port-taken') return r;
  }
  throw new RunError('PS_PG_START', `PostgreSQL could not bind a free port on 127.0.0.1 three times; its log: ${opts.logFile}`);
};
