/**
 * The embedded PostgreSQL's lifecycle, on a throwaway cache directory: the
 * first start creates the cluster, the next reuses it (and its data), a
 * second concurrent owner gets a cluster of its own, and no postgres process
 * outlives its owner: stop(), SIGINT to `prodshape demo`, a crash, or a
 * `kill -9` (the watchdog, and failing that the next start).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { pidAlive, runningPostmaster } from '../../src/pg/cluster.js';
import { startEmbeddedPg, type EmbeddedPg } from '../../src/pg/embedded.js';

const query = async (url: string, sql: string): Promise<Record<string, unknown>[]> => {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<Record<string, unknown>>(sql)).rows;
  } finally {
    await c.end();
  }
};

/** Waits until `pid` is gone, at most `timeoutMs`; true when it is. */
const gone = async (pid: number, timeoutMs: number): Promise<boolean> => {
  const t0 = Date.now();
  while (pidAlive(pid)) {
    if (Date.now() - t0 > timeoutMs) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
};

/** Starts test/pg/fixtures/hold.ts (an owner of a cluster) and reads its JSON line. */
const hold = async (cacheDir: string, arg = ''): Promise<{ child: ChildProcess; info: { pid: number; postmaster: number; dir: string } }> => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(PACKAGE_ROOT, 'test', 'pg', 'fixtures', 'hold.ts'), arg], {
    cwd: PACKAGE_ROOT, env: { ...process.env, PRODSHAPE_CACHE_DIR: cacheDir }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`hold exited (${code}) before starting the cluster`)));
  });
  return { child, info: JSON.parse(line) as { pid: number; postmaster: number; dir: string } };
};

describe('embedded PostgreSQL lifecycle', () => {
  let cacheDir: string;
  beforeAll(() => {
    cacheDir = mkdtempSync(join(tmpdir(), 'prodshape-embedded-'));
  });
  afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

  it('creates the cluster under the cache dir once, serves on 127.0.0.1 with the observer\'s extensions, stops, and reuses it with its data', async () => {
    const lines: string[] = [];
    const first = await startEmbeddedPg({ cacheDir, log: (l) => lines.push(l) });
    let firstPid: number;
    try {
      firstPid = first.pid;
      expect(first.dir).toBe(join(cacheDir, 'embedded-pg', '0'));
      expect(lines.some((l) => /creating a PostgreSQL 18 cluster/.test(l))).toBe(true);
      expect(new URL(first.url).hostname).toBe('127.0.0.1');
      const [s] = await query(first.url, "SELECT current_setting('listen_addresses') AS listen, current_setting('shared_preload_libraries') AS preload, current_setting('unix_socket_directories') AS sockets, version() AS v");
      expect(s).toMatchObject({ listen: '127.0.0.1', preload: 'pg_stat_statements,auto_explain', sockets: '' });
      expect(String(s?.v)).toMatch(/^PostgreSQL 18\./);
      expect(await query(first.url, 'SELECT count(*) FROM pg_stat_statements')).toHaveLength(1);
      await query(first.url, 'CREATE TABLE kept (x int); INSERT INTO kept VALUES (42)');
      // Without the password, no connection.
      const u = new URL(first.url);
      u.password = 'wrong';
      await expect(query(u.toString(), 'SELECT 1')).rejects.toThrow(/password authentication failed/);
    } finally {
      await first.stop();
    }
    expect(await gone(firstPid, 5000)).toBe(true);
    expect(existsSync(join(first.dir, 'owner.json'))).toBe(false);

    lines.length = 0;
    const again = await startEmbeddedPg({ cacheDir, log: (l) => lines.push(l) });
    try {
      expect(again.dir).toBe(first.dir);
      expect(lines.some((l) => /creating/.test(l))).toBe(false);
      expect(await query(again.url, 'SELECT x FROM kept')).toEqual([{ x: 42 }]);
    } finally {
      await again.stop();
    }
    expect(await gone(again.pid, 5000)).toBe(true);
  });

  it('gives a second concurrent owner a cluster of its own', async () => {
    const a = await startEmbeddedPg({ cacheDir });
    let b: EmbeddedPg | null = null;
    try {
      b = await startEmbeddedPg({ cacheDir });
      expect(b.dir).not.toBe(a.dir);
      expect(b.port).not.toBe(a.port);
      expect(await query(b.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await b?.stop();
      await a.stop();
    }
    expect(pidAlive(a.pid) || (b !== null && pidAlive(b.pid))).toBe(false);
  });

  it('stops the server when its owner is killed with SIGKILL (the watchdog)', async () => {
    const { child, info } = await hold(cacheDir);
    expect(pidAlive(info.postmaster)).toBe(true);
    child.kill('SIGKILL');
    // The watchdog polls every 500 ms, then a fast shutdown: 20 s is generous on a busy machine.
    expect(await gone(info.postmaster, 20_000)).toBe(true);
    // The watchdog removes the owner file after the server has gone: give it 5 s on a busy machine.
    const t0 = Date.now();
    while (existsSync(join(info.dir, 'owner.json')) && Date.now() - t0 < 5_000) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(join(info.dir, 'owner.json'))).toBe(false);
  });

  it('stops the server when its owner dies of an exception', async () => {
    const { child, info } = await hold(cacheDir, 'crash');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    expect(await gone(info.postmaster, 20_000)).toBe(true);
  });

  it('after a SIGKILL of the owner and its watchdog, the next start stops the server left behind', async () => {
    const { child, info } = await hold(cacheDir);
    // The watchdog is the one process besides the owner whose command line names this postmaster.
    const { execFileSync } = await import('node:child_process');
    const watchdogs = execFileSync('pgrep', ['-f', `watchdog.ts ${info.pid} ${info.postmaster} `]).toString().trim().split('\n').map(Number);
    expect(watchdogs).toHaveLength(1);
    process.kill(watchdogs[0]!, 'SIGKILL');
    child.kill('SIGKILL');
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
    expect(runningPostmaster(join(info.dir, 'data'))).toBe(info.postmaster);

    const lines: string[] = [];
    const next = await startEmbeddedPg({ cacheDir, log: (l) => lines.push(l) });
    try {
      expect(next.dir).toBe(info.dir);
      expect(lines.some((l) => l.includes(`stopping the PostgreSQL server (pid ${info.postmaster}) an earlier run left behind (its owner, pid ${info.pid}, is gone)`))).toBe(true);
      expect(pidAlive(info.postmaster)).toBe(false);
    } finally {
      await next.stop();
    }
  });
});
