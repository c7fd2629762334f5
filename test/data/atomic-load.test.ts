/**
 * `prodshape generate --to` is atomic, end to end through the built CLI on a
 * real PostgreSQL: stopped by SIGINT/SIGTERM during the biggest table's COPY,
 * during keys/indexes/ANALYZE or just before the swap, with --replace over a
 * previous dataset (another seed) or into empty tables of the user's, the
 * previous tables are exactly as they were (same table, rows, checksum,
 * indexes, constraints), no staging schema is left, the exit code is 4 and
 * no manifest is written; so are they when the load loses its connections
 * (exit 3). A `kill -9` leaves a staging schema that the next
 * load drops (and not the schema of a load still running); a completed
 * --replace swaps the new data in with its keys, indexes and statistics.
 *
 * Phases that last milliseconds at this scale are reached with the loader's
 * test hook PRODSHAPE_TEST_PAUSE_AT (src/data/sinks/staging.ts): it logs a
 * line and waits there for the signal.
 */
import pg from 'pg';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadIntoPostgres } from '../../src/data/index.js';
import { lockStagingShared } from '../../src/data/sinks/staging.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { createTestDatabase, skipWithoutPg } from '../helpers/pg.js';
import { CLI, ensureBuilt } from '../helpers/cli.js';

const SAAS = join(PACKAGE_ROOT, 'scenarios/saas-orders.yaml');
const TABLES = ['tenants', 'accounts', 'orders'] as const;
const SCALE = '0.2';

/** What a user relies on in the database: each table (its identity, rows and checksum), indexes, constraints. */
interface Snapshot {
  tables: Record<string, { oid: string; rows: number; md5: string } | null>;
  indexes: string[];
  constraints: string[];
}

const snapshot = async (c: pg.Client): Promise<Snapshot> => {
  const tables: Snapshot['tables'] = {};
  for (const t of TABLES) {
    const oid = (await c.query<{ oid: string | null }>('SELECT to_regclass($1)::oid::text AS oid', [t])).rows[0]?.oid ?? null;
    if (oid === null) {
      tables[t] = null;
      continue;
    }
    const r = await c.query<{ n: number; md5: string }>(`SELECT count(*)::int AS n, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS md5 FROM ${t} x`);
    tables[t] = { oid, rows: r.rows[0]?.n ?? -1, md5: r.rows[0]?.md5 ?? '' };
  }
  const indexes = (await c.query<{ d: string }>("SELECT indexdef AS d FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname")).rows.map((r) => r.d);
  const constraints = (await c.query<{ d: string }>(
    "SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS d FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1",
  )).rows.map((r) => r.d);
  return { tables, indexes, constraints };
};

const stagingSchemas = async (c: pg.Client): Promise<string[]> =>
  (await c.query<{ n: string }>("SELECT nspname AS n FROM pg_namespace WHERE nspname LIKE 'prodshape\\_load\\_%' ORDER BY 1")).rows.map((r) => r.n);

/** The built CLI running `generate`, with its stderr so far and its exit. */
const startCli = (args: string[], env: Record<string, string> = {}) => {
  const child = spawn(process.execPath, [CLI, 'generate', ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  child.stdout.on('data', (b: Buffer) => {
    stdout += b.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return {
    child, exited,
    stderr: () => stderr,
    stdout: () => stdout,
    /** Resolves when stderr matches `re`; rejects after `timeoutMs` or when the process exits first. */
    waitFor: async (re: RegExp, timeoutMs = 60_000): Promise<void> => {
      const until = Date.now() + timeoutMs;
      let gone = false;
      void exited.then(() => {
        gone = true;
      });
      while (!re.test(stderr)) {
        if (gone || Date.now() > until) throw new Error(`no ${String(re)} in stderr (${gone ? 'exited' : 'timed out'}):\n${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
};

/** Waits (at most 15 s) until no session of a prodshape load is connected: a killed client's sessions end when PostgreSQL sees the closed socket. */
const waitNoLoadSessions = async (c: pg.Client): Promise<void> => {
  for (let k = 0; k < 300; k++) {
    const r = await c.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'prodshape generate' AND datname = current_database()");
    if (r.rows[0]?.n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the killed load\'s sessions are still connected after 15 s');
};

describe.skipIf(skipWithoutPg())('generate --to is atomic (built CLI, signals, real PostgreSQL)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let client: pg.Client;
  let work: string;
  let before: Snapshot;

  beforeAll(async () => {
    ensureBuilt();
    work = await mkdtemp(join(tmpdir(), 'ps-atomic-'));
    db = await createTestDatabase('ps_atomic');
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    // The previous dataset: seed 1. Every interrupted load below is seed 2, so its rows differ.
    await loadIntoPostgres(SAAS, { url: db.url, scale: Number(SCALE), seed: 1 });
    before = await snapshot(client);
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
    await rm(work, { recursive: true, force: true });
  });

  /**
   * Runs `generate --to` (seed 2) paused at `phase`, checks mid-load that it
   * works in a staging schema while the user's tables are unchanged, sends
   * `sig`, and returns what the CLI said and how long it took to exit.
   */
  const interruptAt = async (url: string, phase: string, sig: NodeJS.Signals, extra: string[], out: string) => {
    const cli = startCli(['--scenario', 'saas-orders', '--scale', SCALE, '--seed', '2', '--to', url, '--out', out, '--quiet', ...extra], { PRODSHAPE_TEST_PAUSE_AT: phase });
    await cli.waitFor(new RegExp(`test pause at ${phase}`));
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    let mid: string[];
    try {
      mid = await stagingSchemas(c);
    } finally {
      await c.end();
    }
    const signalledAt = Date.now();
    cli.child.kill(sig);
    const { code } = await cli.exited;
    return { code, exitMs: Date.now() - signalledAt, stderr: cli.stderr(), stdout: cli.stdout(), mid };
  };

  for (const [phase, sig] of [['copy', 'SIGINT'], ['indexes', 'SIGINT'], ['swap', 'SIGINT'], ['indexes', 'SIGTERM']] as const) {
    it(`--replace stopped by ${sig} at ${phase}: the previous tables are exactly as they were, no staging schema is left`, async () => {
      const out = join(work, `replace-${phase}-${sig}`);
      const r = await interruptAt(db.url, phase, sig, ['--replace'], out);
      // Mid-load, one staging schema held the new tables.
      expect(r.mid).toHaveLength(1);
      expect(r.code, r.stderr).toBe(4);
      // "Within a few seconds": 5 s, on a 2-core machine shared with other test runs (here it takes about 1 s).
      expect(r.exitMs).toBeLessThan(5000);
      expect(r.stderr).toContain(`${sig}: stopping; dropping what the load built`);
      expect(r.stderr).toMatch(new RegExp(`generate: dropped the staging schema ${r.mid[0] ?? '?'}; no table in 127\\.0\\.0\\.1:\\d+/ps_atomic_\\w+ was changed`));
      expect(r.stderr).toContain(`prodshape: generate stopped by ${sig}: nothing was swapped into PostgreSQL, its tables are as they were; no manifest was written to ${out}`);
      expect(r.stdout).toBe('');
      expect(await snapshot(client)).toEqual(before);
      expect(await stagingSchemas(client)).toEqual([]);
      expect(existsSync(join(out, 'manifest.json'))).toBe(false);
    });
  }

  it('--replace that loses its connections mid-load (sessions terminated): exit 3, the previous tables exactly as they were, no staging schema', async () => {
    const cli = startCli(['--scenario', 'saas-orders', '--scale', SCALE, '--seed', '2', '--to', db.url, '--out', join(work, 'lost'), '--replace', '--quiet'], { PRODSHAPE_TEST_PAUSE_AT: 'indexes' });
    await cli.waitFor(/test pause at indexes/);
    // What a server restart or a network cut does to the load's sessions; the server itself stays up.
    const killed = await client.query<{ n: number }>(
      "SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = 'prodshape generate' AND datname = current_database()",
    );
    expect(killed.rows[0]?.n).toBeGreaterThan(0);
    const { code } = await cli.exited;
    expect(code, cli.stderr()).toBe(3);
    expect(cli.stderr()).toMatch(/generate: dropped the staging schema prodshape_load_[0-9a-f]{12}; no table in 127\.0\.0\.1:\d+\/ps_atomic_\w+ was changed/);
    expect(await snapshot(client)).toEqual(before);
    expect(await stagingSchemas(client)).toEqual([]);
  });

  it('without --replace, stopped at each phase: the user\'s empty tables stay empty with their own index, missing ones stay missing', async () => {
    const other = await createTestDatabase('ps_atomic_fill');
    const c = new pg.Client({ connectionString: other.url });
    await c.connect();
    try {
      // The user's migrations made `tenants` (columns in another order, an index of their own); accounts and orders are missing.
      await c.query('CREATE TABLE tenants (created_at timestamptz, plan text, name text, id bigint PRIMARY KEY, extra text DEFAULT $$x$$)');
      await c.query('CREATE INDEX tenants_plan ON tenants (plan)');
      const empty = await snapshot(c);
      expect(empty.tables).toMatchObject({ tenants: { rows: 0 }, accounts: null, orders: null });
      for (const phase of ['copy', 'indexes', 'swap']) {
        const r = await interruptAt(other.url, phase, 'SIGINT', [], join(work, `fill-${phase}`));
        expect(r.mid, phase).toHaveLength(1);
        expect(r.code, `${phase}: ${r.stderr}`).toBe(4);
        expect(await snapshot(c), phase).toEqual(empty);
        expect(await stagingSchemas(c), phase).toEqual([]);
      }
      // Not stopped, the same load fills the user's table as it is and creates the others.
      const done = startCli(['--scenario', 'saas-orders', '--scale', SCALE, '--seed', '2', '--to', other.url, '--out', join(work, 'fill-done'), '--quiet']);
      expect((await done.exited).code, done.stderr()).toBe(0);
      const after = await snapshot(c);
      expect(after.tables.tenants?.oid).toBe(empty.tables.tenants?.oid);
      expect(after.tables.tenants?.rows).toBe(400);
      expect((await c.query<{ x: string }>('SELECT min(extra) AS x FROM tenants')).rows[0]?.x).toBe('x');
      expect(after.indexes.filter((d) => / ON public\.tenants /.test(d)).map((d) => / INDEX (\S+) ON /.exec(d)?.[1])).toEqual(['tenants_pkey', 'tenants_plan']);
      expect(await stagingSchemas(c)).toEqual([]);
    } finally {
      await c.end();
      await other.drop();
    }
  });

  it('kill -9 leaves a staging schema that the next load drops; a completed --replace swaps the new data in with keys and indexes', async () => {
    const cli = startCli(['--scenario', 'saas-orders', '--scale', SCALE, '--seed', '2', '--to', db.url, '--out', join(work, 'killed'), '--replace', '--quiet'], { PRODSHAPE_TEST_PAUSE_AT: 'indexes' });
    await cli.waitFor(/test pause at indexes/);
    cli.child.kill('SIGKILL');
    expect((await cli.exited).signal).toBe('SIGKILL');
    await waitNoLoadSessions(client);
    const left = await stagingSchemas(client);
    expect(left).toHaveLength(1);
    expect(await snapshot(client)).toEqual(before);

    // A load still running elsewhere: its schema is locked by a live session, so it must be kept.
    const live = new pg.Client({ connectionString: db.url });
    await live.connect();
    try {
      await lockStagingShared(live, 'prodshape_load_stillrunning');
      await live.query('CREATE SCHEMA prodshape_load_stillrunning');
      const out = join(work, 'replaced');
      const next = startCli(['--scenario', 'saas-orders', '--scale', SCALE, '--seed', '2', '--to', db.url, '--out', out, '--replace', '--quiet']);
      const { code } = await next.exited;
      expect(code, next.stderr()).toBe(0);
      expect(next.stderr()).toBe(`generate: leftover staging schema: dropped ${left[0] ?? '?'}, left by an earlier load that was killed before it could clean up\n`);
      expect(await stagingSchemas(client)).toEqual(['prodshape_load_stillrunning']);

      // The new dataset, swapped in: new tables with the seed-2 rows the manifest counts, the same keys and indexes as before.
      const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { seed: number; tables: Record<string, number> };
      expect(manifest.seed).toBe(2);
      const after = await snapshot(client);
      for (const t of TABLES) {
        expect(after.tables[t]?.rows, t).toBe(manifest.tables[t]);
        expect(after.tables[t]?.oid, t).not.toBe(before.tables[t]?.oid);
      }
      expect(after.tables.orders?.md5).not.toBe(before.tables.orders?.md5);
      expect(after.indexes).toEqual(before.indexes);
      expect(after.constraints).toEqual(before.constraints);
      const analyzed = await client.query<{ relname: string }>("SELECT relname FROM pg_stat_user_tables WHERE schemaname = 'public' AND last_analyze IS NOT NULL ORDER BY 1");
      expect(analyzed.rows.map((r) => r.relname)).toEqual(['accounts', 'orders', 'tenants']);
    } finally {
      await live.query('DROP SCHEMA IF EXISTS prodshape_load_stillrunning');
      await live.end();
    }
  });
});
