/**
 * `prodshape demo` end to end: the built CLI as a user runs it (dist/cli/main.js).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pidAlive, runningPostmaster } from '../../src/pg/cluster.js';
import { CLI, ensureBuilt } from '../helpers/cli.js';
import { createTestDatabase, skipWithoutPg } from '../helpers/pg.js';
import { TEST_CACHE_DIR, TEST_SCALE } from './helpers.js';


const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const e: NodeJS.ProcessEnv = { ...process.env, PRODSHAPE_CACHE_DIR: TEST_CACHE_DIR, NO_COLOR: '1', ...extra };
  if (extra.DATABASE_URL === undefined) delete e.DATABASE_URL;
  return e;
};

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

/** Starts `prodshape demo …`; resolves with the child and its first stdout line. */
const startCli = (args: string[], extraEnv: Record<string, string> = {}, ipc = false): Promise<{ child: ChildProcess; first: string; stdout: () => string; stderr: () => string }> => {
  const child = spawn(process.execPath, [CLI, 'demo', ...args], { env: env(extraEnv), stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (first) => resolve({ child, first, stdout: () => stdout, stderr: () => stderr }));
    child.once('exit', (code) => reject(new Error(`prodshape demo exited (${code}) before printing: ${stderr}`)));
  });
};

const exited = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code)));

describe('prodshape demo (built CLI)', () => {
  beforeAll(() => {
    ensureBuilt();
  });

  it('starts its embedded PostgreSQL server without DATABASE_URL, says how to observe it without printing the password, and stops the server on SIGTERM', async () => {
    // The default dataset (scale 10), as the end-to-end tests load it into the same cache's cluster.
    const { child, first, stderr } = await startCli(['--port', '0', '--json']);
    const info = JSON.parse(first) as {
      url: string; manifest: string; backend: string; pool_size: number; embedded_pg: { url: string; password_file: string; dir: string; pid: number } | null;
      warm: { tenants: number; source: string } | null;
    };
    expect(info).toMatchObject({ backend: 'postgres', pool_size: 4 });
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(existsSync(info.manifest)).toBe(true);
    const pg = info.embedded_pg!;
    expect(pg.url).toMatch(/^postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/demo$/);
    expect(pg.dir.startsWith(join(TEST_CACHE_DIR, 'embedded-pg'))).toBe(true);
    const password = readFileSync(pg.password_file, 'utf8').trim();
    expect(first + stderr()).not.toContain(password);
    const health = (await (await fetch(`${info.url}/healthz`)).json()) as { status: string; backend: string };
    expect(health).toMatchObject({ status: 'ok', backend: 'postgres' });
    // It started warm: the biggest 1% of its 20,000 tenants' dashboards are cached (computed, or restored from the cache directory).
    const tenants = (JSON.parse(readFileSync(info.manifest, 'utf8')) as { tenants: { id: string; rows: number }[] }).tenants;
    expect(info.warm?.tenants).toBe(Math.max(50, Math.ceil(tenants.length / 100)));
    const biggest = [...tenants].sort((a, b) => b.rows - a.rows)[0]!;
    const dashboard = await fetch(`${info.url}/tenants/${biggest.id}/dashboard`);
    await dashboard.text();
    expect(dashboard.headers.get('x-cache')).toBe('hit');
    expect(runningPostmaster(join(pg.dir, 'data'))).toBe(pg.pid);
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    expect(stderr()).toContain('stopping (SIGTERM)');
    // No postgres left behind.
    expect(runningPostmaster(join(pg.dir, 'data'))).toBeNull();
    expect(pidAlive(pg.pid)).toBe(false);
  });

  it('runs on the embedded PGlite with --pglite', async () => {
    const { child, first, stderr } = await startCli(['--port', '0', '--scale', String(TEST_SCALE), '--pglite', '--json']);
    expect(JSON.parse(first)).toMatchObject({ backend: 'pglite', embedded_pg: null });
    child.kill('SIGTERM');
    const code = await exited(child);
    expect(code, `signal ${String(child.signalCode)}; stderr:\n${stderr()}`).toBe(0);
  });

  it('prints a human summary with --pool, and stops when the parent that started it goes away', async () => {
    const { child, first } = await startCli(['--port', '0', '--pool', '7'], {}, true);
    expect(first).toMatch(/^prodshape demo: http:\/\/127\.0\.0\.1:\d+$/);
    const url = first.replace('prodshape demo: ', '');
    expect(await (await fetch(`${url}/metrics`)).text()).toContain('app_db_pool_size 7');
    child.disconnect();
    expect(await exited(child)).toBe(0);
  });

  it.skipIf(skipWithoutPg())('uses DATABASE_URL when set and never prints its password', async () => {
    const db = await createTestDatabase('democli');
    try {
      // The test server trusts every local connection, so any password works and must be redacted.
      const u = new URL(db.url);
      u.password = 'sekret-pass-123';
      const { child, first, stdout, stderr } = await startCli(['--port', '0', '--scale', String(TEST_SCALE)], { DATABASE_URL: u.toString() });
      const url = first.replace('prodshape demo: ', '');
      expect(((await (await fetch(`${url}/healthz`)).json()) as { backend: string }).backend).toBe('postgres');
      child.kill('SIGINT');
      expect(await exited(child)).toBe(0);
      expect(stdout()).toContain('PostgreSQL at postgres://postgres:***@');
      expect(stdout() + stderr()).not.toContain('sekret-pass-123');
    } finally {
      await db.drop();
    }
  });

  it('rejects bad flags with exit code 1 and names the flag', () => {
    for (const [flag, value] of [['--pool', '0'], ['--port', '70000'], ['--acquire-timeout', 'soon'], ['--scale', '-1']] as const) {
      const r = spawnSync(process.execPath, [CLI, 'demo', flag, value], { env: env(), encoding: 'utf8' });
      expect(r.status, `${flag} ${value}`).toBe(1);
      expect(r.stderr).toContain(flag);
    }
  });

  it('documents its options in --help', () => {
    const r = spawnSync(process.execPath, [CLI, 'demo', '--help'], { env: env(), encoding: 'utf8' });
    expect(r.status).toBe(0);
    for (const opt of ['--port', '--pool', '--database-url', '--pglite', '--scale', '--acquire-timeout']) expect(r.stdout).toContain(opt);
  });
});
