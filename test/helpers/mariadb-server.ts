/**
 * A throwaway MariaDB for tests: `mariadb-install-db` into a new temp dir,
 * `mariadbd` on a free port of 127.0.0.1 with its socket in that dir,
 * performance_schema on, no durability (it is thrown away). Root runs it as
 * `--user=root`. `mariadbBinaries()` says why there is none (a skip); under
 * PRODSHAPE_REQUIRE_TEST_DEPS=1 a missing server is a failure instead.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/pg/cluster.js';

export interface MariadbBinaries { installDb: string; server: string }
export interface MariadbTestServer { dir: string; port: number; url: string; process: ChildProcess }

const which = (name: string): string | null => {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const path = r.stdout.trim();
  return r.status === 0 && path !== '' ? path : null;
};

/** The server's binaries, or why there are none (throws instead under PRODSHAPE_REQUIRE_TEST_DEPS=1). */
export const mariadbBinaries = (): { bin: MariadbBinaries; skip: null } | { bin: null; skip: string } => {
  const installDb = which('mariadb-install-db');
  const server = which('mariadbd') ?? (existsSync('/usr/sbin/mariadbd') ? '/usr/sbin/mariadbd' : null);
  if (installDb !== null && server !== null) return { bin: { installDb, server }, skip: null };
  const reason = 'mariadb-install-db or mariadbd not found (apt-get install mariadb-server)';
  if (process.env.PRODSHAPE_REQUIRE_TEST_DEPS === '1') throw new Error(`MariaDB is required (PRODSHAPE_REQUIRE_TEST_DEPS=1): ${reason}`);
  return { bin: null, skip: reason };
};

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/** Polls the TCP port until the server accepts, or fails after `timeoutMs` with the server's log. */
const waitReady = async (port: number, child: ChildProcess, timeoutMs: number, log: () => string): Promise<void> => {
  const { default: mysql } = await import('mysql2/promise');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mariadbd exited with ${child.exitCode}:\n${log()}`);
    try {
      const c = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root' });
      await c.end();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`mariadbd did not accept within ${timeoutMs} ms: ${String(e)}\n${log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
};

/** Starts a server in a new temp dir; root connects without a password over TCP (auth by unix_socket is for the socket only, so it is reset). */
export const startMariadb = async (bin: MariadbBinaries): Promise<MariadbTestServer> => {
  const dir = await mkdtemp(join(tmpdir(), 'prodshape-mariadb.'));
  const dataDir = join(dir, 'data');
  const userArgs = isRoot() ? ['--user=root'] : [];
  const init = spawnSync(bin.installDb, ['--no-defaults', `--datadir=${dataDir}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...userArgs], { encoding: 'utf8', timeout: 120_000 });
  if (init.status !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed (${init.status}): ${init.stderr}`);
  }
  const port = await freePort();
  let logText = '';
  const child = spawn(bin.server, ['--no-defaults', `--datadir=${dataDir}`, `--socket=${join(dir, 'mysqld.sock')}`, `--pid-file=${join(dir, 'mysqld.pid')}`,
    '--bind-address=127.0.0.1', `--port=${port}`, '--performance-schema=ON', '--innodb-flush-log-at-trx-commit=0', '--skip-log-bin', '--local-infile=1', ...userArgs],
  { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (b: Buffer) => { logText += b.toString(); });
  try {
    await waitReady(port, child, 60_000, () => logText);
  } catch (e) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return { dir, port, url: `mysql://root@127.0.0.1:${port}/`, process: child };
};

/** Stops the server (SIGTERM, then SIGKILL after `graceMs`) and removes its dir. */
export const stopMariadb = async (s: MariadbTestServer, graceMs = 10_000): Promise<void> => {
  if (s.process.exitCode === null) {
    const exited = new Promise<void>((r) => s.process.once('exit', () => r()));
    s.process.kill('SIGTERM');
    const timer = setTimeout(() => s.process.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
  await rm(s.dir, { recursive: true, force: true });
};

/** A test file's teardown: closes its connections (those opened), stops its server (if started) and removes its work dir. */
export const tearDown = async (server: MariadbTestServer | undefined, work: string | undefined, ...conns: ({ end(): Promise<void> } | undefined)[]): Promise<void> => {
  await Promise.allSettled(conns.map(async (c) => c?.end()));
  if (server !== undefined) await stopMariadb(server);
  if (work !== undefined) await rm(work, { recursive: true, force: true });
};
