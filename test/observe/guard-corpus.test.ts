/**
 * The read-only guarantee against a corpus of bypass attempts, on real
 * PostgreSQL (as superuser, the strongest account a scenario may be given):
 * each attempt goes through the built CLI (`plans snapshot`, with and without
 * `--analyze`), through the observer's EXPLAIN path (`runExplain`), and
 * through the database-side checks alone (`explainReadOnly`, no text guard),
 * and through the replay observer (warned about, never EXPLAINed), and afterwards no row changed (a checksum of `victim`), no sequence moved,
 * no large object or table appeared, no file was written, no advisory lock is
 * held, the statistics were not reset, and a session with
 * application_name='victim' is still alive and answering. A few harmless
 * statements written to look dangerous must still be EXPLAINed, so the guard
 * is not simply refusing everything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createTestDatabase, skipWithoutPg } from '../helpers/pg.js';
import { CLI, ensureBuilt } from '../helpers/cli.js';
import { explainReadOnly, runExplain, sendExtended } from '../../src/observe/explain.js';
import { loadObserved } from '../../src/observe/findings.js';
import { createObservers } from '../../src/observe/index.js';
import { parseScenario } from '../../src/scenario/scenario.js';
import { sleep, testContext } from './context.js';

const dir = mkdtempSync(join(tmpdir(), 'prodshape-guard-'));
/** Files an attempt would write if it ran (COPY TO PROGRAM, lo_export). */
const touched = join(dir, 'copy-program-ran');
const exported = join(dir, 'lo-export-ran');

/** Bypass attempts: name (the plan's name) → SQL. */
const ATTEMPTS: [string, string][] = [
  ['commit-chain', 'SELECT 1 AS a$$q$ ; COMMIT; DELETE FROM victim; SELECT 1 AS a$$q$'],
  ['commit-chain-non-ascii', 'SELECT 1 AS é$q$ ; COMMIT; DELETE FROM victim; SELECT 1 AS é$q$'],
  ['chain-in-comment', 'SELECT 1 /* ; */ ; COMMIT; DELETE FROM victim -- ;'],
  ['chain-after-line-comment', 'SELECT 1 -- x\n; COMMIT; DELETE FROM victim'],
  ['chain-nested-comment', '/* a /* b */ ; */ SELECT 1; COMMIT; DELETE FROM victim'],
  ['chain-in-dollar-quote', 'SELECT $a$;$a$ AS x; COMMIT; DELETE FROM victim'],
  ['chain-empty-dollar-tag', 'SELECT $$ $q$ $$ AS x; COMMIT; DELETE FROM victim; SELECT $q$ $q$'],
  ['chain-e-string', "SELECT E'\\'' AS x; COMMIT; DELETE FROM victim; SELECT ''"],
  ['chain-backslash-string', "SELECT 'a\\' AS x; COMMIT; DELETE FROM victim; SELECT '\\'"],
  ['two-selects', 'SELECT 1; SELECT 2'],
  ['terminate-quoted', `SELECT "pg_terminate_backend"(pid) FROM pg_stat_activity WHERE application_name = 'victim'`],
  ['terminate-unicode', `SELECT U&"\\0070g_terminate_backend"(pid) FROM pg_stat_activity WHERE application_name = 'victim'`],
  ['terminate-uescape', `SELECT U&"!0070g_terminate_backend" /* c */ UESCAPE '!' (pid) FROM pg_stat_activity WHERE application_name = 'victim'`],
  ['terminate-qualified-comment', `SELECT pg_catalog . /* x */ "pg_terminate_backend" /* y */ (pid) FROM pg_stat_activity WHERE application_name = 'victim'`],
  ['terminate-in-subquery', `SELECT (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'victim' LIMIT 1) AS x`],
  ['cancel', `SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'victim'`],
  ['cte-delete', 'WITH d AS (DELETE FROM victim RETURNING *) SELECT count(*) FROM d'],
  ['cte-update', "WITH u AS (UPDATE victim SET v = 'x' RETURNING *) SELECT count(*) FROM u"],
  ['cte-insert', "WITH i AS (INSERT INTO victim VALUES (1000, 'x') RETURNING *) SELECT count(*) FROM i"],
  ['for-update', 'SELECT * FROM victim FOR UPDATE'],
  ['for-share-comment', 'SELECT * FROM victim FOR /* x */ SHARE'],
  ['select-into', 'SELECT * INTO victim_copy FROM victim'],
  ['copy-program', `COPY (SELECT 1) TO PROGRAM 'touch ${touched}'`],
  ['set-role', 'SET ROLE postgres'],
  ['do-block', 'DO $$ BEGIN DELETE FROM victim; END $$'],
  ['create-table-as', 'CREATE TABLE victim_copy AS SELECT * FROM victim'],
  ['explain-analyze-delete', 'EXPLAIN ANALYZE DELETE FROM victim'],
  ['plain-delete', 'DELETE FROM victim'],
  ['nextval', "SELECT nextval('victim_seq')"],
  ['nextval-quoted', `SELECT "nextval"('victim_seq')`],
  ['setval', "SELECT setval('victim_seq', 999)"],
  ['pg-sleep', 'SELECT pg_sleep(60)'],
  ['lo-create', 'SELECT lo_create(0)'],
  ['lo-unlink', 'SELECT lo_unlink(oid) FROM pg_largeobject_metadata'],
  ['lo-export', `SELECT lo_export(oid, '${exported}') FROM pg_largeobject_metadata`],
  ['dblink-exec', "SELECT dblink_exec('dbname=postgres', 'DELETE FROM victim')"],
  ['dblink-connect', `SELECT "dblink_connect"('x', 'dbname=postgres')`],
  ['advisory-lock', 'SELECT pg_advisory_lock(42)'],
  ['advisory-lock-quoted', 'SELECT "pg_advisory_lock"(43)'],
  ['advisory-try-lock', 'SELECT pg_try_advisory_lock(44)'],
  ['stat-reset', 'SELECT pg_stat_reset()'],
  ['stat-reset-quoted', 'SELECT "pg_stat_reset"()'],
  ['set-config', "SELECT set_config('prodshape.leak', 'yes', false)"],
  ['notify', "SELECT pg_notify('victim', 'x')"],
  ['read-file', "SELECT pg_read_file('/etc/hostname')"],
  ['user-sql-function', 'SELECT delete_victims()'],
  ['user-plpgsql-function', 'SELECT * FROM victim WHERE id = delete_victims_pl()'],
  ['user-function-in-from', 'SELECT * FROM delete_victims_pl()'],
  ['user-stable-function', 'SELECT * FROM victim WHERE id = signal_victim()'],
  ['user-operator', 'SELECT * FROM victim WHERE id === 1'],
  ['user-domain', 'SELECT id::checked_id FROM victim'],
];

/** Harmless statements that look dangerous: they must be EXPLAINed (the guard is not refusing everything). */
const HARMLESS: [string, string][] = [
  ['strings-that-look-dangerous', "SELECT 'DELETE FROM victim; COMMIT' AS s, $$ ; COMMIT; DELETE FROM victim $$ AS t, $q$ pg_terminate_backend(1) $q$ AS u"],
  ['quoted-update-column', 'SELECT "update", count(*) FROM (SELECT v AS "update" FROM victim) x GROUP BY 1'],
  ['builtins', "SELECT to_char(date_trunc('month', now()), 'YYYY-MM') AS m, count(*), sum(id), lower(v) FROM victim WHERE v LIKE 'v%' GROUP BY 1, 4"],
  ['cte-select', 'WITH t AS (SELECT * FROM victim WHERE id < 10) SELECT count(*) FROM t; -- a trailing comment'],
  ['sql-syntax-forms', `SELECT v, count(*) FILTER (WHERE id > 1) AS c, percentile_cont(0.5) WITHIN GROUP (ORDER BY id) AS p,
    row_number() OVER (ORDER BY v) AS r, CASE WHEN v LIKE 'v1%' THEN 'a' END AS k, coalesce(v, 'x') AS d, trim(both ' ' from v) AS t,
    substring(v from 2 for 1) AS s, extract(year from now()) AS y, EXISTS (SELECT 1 FROM victim WHERE id = 1) AS e,
    greatest(1, 2) AS g, nullif(v, 'x') AS n, ARRAY(SELECT 1) AS a, v::varchar(3) AS vc, (now())::timestamp(0) with time zone AS ts
    FROM victim WHERE id IN (SELECT id FROM victim WHERE id < 50) GROUP BY v`],
];

const SETUP = [
  'CREATE TABLE victim (id int PRIMARY KEY, v text NOT NULL)',
  "INSERT INTO victim SELECT g, 'v' || g FROM generate_series(1, 200) g",
  'ANALYZE victim',
  'CREATE SEQUENCE victim_seq',
  "SELECT lo_from_bytea(0, 'large object')",
  'CREATE FUNCTION delete_victims() RETURNS bigint LANGUAGE sql VOLATILE AS $$ DELETE FROM victim RETURNING 1 $$',
  'CREATE FUNCTION delete_victims_pl() RETURNS SETOF int LANGUAGE plpgsql VOLATILE AS $$ BEGIN DELETE FROM victim; RETURN NEXT 1; END $$',
  // Misdeclared STABLE: the planner may evaluate it while planning.
  "CREATE FUNCTION signal_victim() RETURNS int LANGUAGE plpgsql STABLE AS $$ BEGIN PERFORM pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'victim'; RETURN 1; END $$",
  "CREATE FUNCTION eq_and_signal(int, int) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'victim'; RETURN $1 = $2; END $$",
  'CREATE OPERATOR === (LEFTARG = int, RIGHTARG = int, FUNCTION = eq_and_signal)',
  'CREATE FUNCTION check_and_delete(int) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$ BEGIN DELETE FROM victim; RETURN true; END $$',
  'CREATE DOMAIN checked_id AS int CHECK (check_and_delete(VALUE))',
];

interface RunResult { code: number | null; stdout: string; stderr: string }

const cli = (args: string[]): Promise<RunResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });

/** A scenario listing the given plans; `plans[i].sql` is on line 4 + 2i. */
const scenarioYaml = (name: string, plans: readonly [string, string][]): string =>
  `name: ${name}\nplans:\n${plans.map(([n, sql]) => `  - name: ${n}\n    sql: ${JSON.stringify(sql)}\n`).join('')}`;

/** The scenario written to the temp dir; returns its path. */
const scenarioWith = (name: string, plans: readonly [string, string][]): string => {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, scenarioYaml(name, plans));
  return file;
};

describe.skipIf(skipWithoutPg())('read-only guard: bypass corpus (real PostgreSQL, built CLI)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let admin: pg.Client;
  let victim: pg.Client;
  let victimPid = 0;
  const victimErrors: string[] = [];
  let before = '';

  /** Everything an attempt could have changed, as one comparable string. */
  const state = async (): Promise<string> => {
    const r = await admin.query<Record<string, unknown>>(`SELECT
      (SELECT md5(string_agg(id || ':' || v, ',' ORDER BY id)) FROM victim) AS victim,
      (SELECT last_value || '/' || is_called FROM victim_seq) AS seq,
      (SELECT count(*) FROM pg_largeobject_metadata)::int AS large_objects,
      (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))::int AS advisory_locks,
      (SELECT stats_reset::text FROM pg_stat_database WHERE datname = current_database()) AS stats_reset,
      to_regclass('victim_copy') IS NULL AS no_copy`);
    return JSON.stringify({ ...r.rows[0], files: [existsSync(touched), existsSync(exported)] });
  };

  /** The victim session is the same backend and still answers. */
  const expectVictimAlive = async (): Promise<void> => {
    const r = await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    expect(r.rows[0]?.pid).toBe(victimPid);
    expect(victimErrors).toEqual([]);
  };

  beforeAll(async () => {
    ensureBuilt();
    db = await createTestDatabase('guard');
    admin = new pg.Client({ connectionString: db.url, application_name: 'guard-admin' });
    await admin.connect();
    for (const sql of SETUP) await admin.query(sql);
    try {
      await admin.query('CREATE EXTENSION dblink');
    } catch {
      // Without the extension, functions of the same names (outside pg_catalog) must be refused all the same.
      await admin.query("CREATE FUNCTION dblink_exec(text, text) RETURNS text LANGUAGE sql VOLATILE AS $$ DELETE FROM victim RETURNING 'x' $$");
      await admin.query("CREATE FUNCTION dblink_connect(text, text) RETURNS text LANGUAGE sql VOLATILE AS $$ SELECT 'OK' $$");
    }
    victim = new pg.Client({ connectionString: db.url, application_name: 'victim' });
    victim.on('error', (e: Error) => victimErrors.push(e.message));
    await victim.connect();
    victimPid = (await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0;
    before = await state();
  }, 120_000);
  afterAll(async () => {
    await victim?.end();
    await admin?.end();
    await db?.drop();
  });

  it('refuses every attempt through the database-side checks alone and through the observer path, changing nothing', async () => {
    const c = new pg.Client({ connectionString: db.url, application_name: 'guard-direct' });
    await c.connect();
    try {
      for (const [name, sql] of ATTEMPTS) {
        for (const explain of [explainReadOnly, runExplain]) {
          const t0 = Date.now();
          // The timeout is short so an attempt that ran pg_sleep(60) would take at least 5 s: refusals take far less.
          const err = await explain(c, sql, [], { analyze: true, timeoutMs: 5_000 }).then(() => null, (e: unknown) => e as Error & { code?: string });
          expect(err, `${explain.name}: ${name} was EXPLAIN ANALYZEd`).not.toBeNull();
          expect(err?.message, `${explain.name}: ${name}`).toMatch(/^refused: /);
          expect(err?.code).toBe('PS_EXPLAIN_REFUSED');
          expect(Date.now() - t0, name).toBeLessThan(5_000);
          expect(await state(), `${explain.name}: ${name}`).toBe(before);
          await expectVictimAlive();
        }
      }
      // The connection is in no transaction and has no leaked setting.
      const after = await c.query<{ leak: string | null; ro: string }>("SELECT current_setting('prodshape.leak', true) AS leak, current_setting('transaction_read_only') AS ro");
      expect(after.rows[0]).toEqual({ leak: null, ro: 'off' });
      for (const [name, sql] of HARMLESS) {
        const plan = await runExplain(c, sql, [], { analyze: true });
        expect(JSON.stringify(plan), name).toMatch(/"Actual Rows"/);
      }
      expect(await state()).toBe(before);
    } finally {
      await c.end();
    }
  }, 120_000);

  it('the statement and lock timeouts are in force inside the EXPLAIN transaction', async () => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const holder = new pg.Client({ connectionString: db.url, application_name: 'guard-lock-holder' });
    await holder.connect();
    try {
      // A harmless statement that would run for many seconds is cancelled at the statement timeout.
      await expect(runExplain(c, 'SELECT count(*) FROM generate_series(1, 1000000000) g', [], { analyze: true, timeoutMs: 1_000 })).rejects.toThrow(/statement timeout/);
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE victim IN ACCESS EXCLUSIVE MODE');
      await expect(runExplain(c, 'SELECT count(*) FROM victim', [], { analyze: false, lockTimeoutMs: 200 })).rejects.toThrow(/lock timeout/);
      await holder.query('ROLLBACK');
      // Nothing is left set on the connection once the transaction is rolled back.
      const left = await c.query<{ st: string; lt: string }>("SELECT current_setting('statement_timeout') AS st, current_setting('lock_timeout') AS lt");
      expect(left.rows[0]).toEqual({ st: '0', lt: '0' });
    } finally {
      await holder.end();
      await c.end();
    }
  });

  it('PostgreSQL itself refuses a ;-chain on the extended protocol every statement of the guard path is sent on', async () => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      // node-postgres sends a parameterless query as a simple query, which runs every statement in it...
      const simple = (await c.query('SELECT 1 AS a; SELECT 2 AS b')) as unknown as pg.QueryResult[];
      expect(simple.map((r): unknown => r.rows[0])).toEqual([{ a: 1 }, { b: 2 }]);
      // ...the guard path's transport is Parse/Bind/Execute, where the server takes one statement only.
      await expect(sendExtended(c, 'SELECT 1 AS a; SELECT 2 AS b')).rejects.toThrow(/cannot insert multiple commands into a prepared statement/);
      await expect(sendExtended(c, 'SELECT 1 AS a$$q$ ; COMMIT; DELETE FROM victim; SELECT 1 AS a$$q$')).rejects.toThrow(/cannot insert multiple commands into a prepared statement/);
      expect(await state()).toBe(before);
    } finally {
      await c.end();
    }
  });

  it('the replay observer warns about every refused plan, never EXPLAINs it, and goes on with the others', async () => {
    const plans = [...ATTEMPTS, HARMLESS[2]!];
    const scenario = parseScenario(scenarioYaml('observed', plans));
    const ctx = testContext({ scenario });
    const [obs] = createObservers(scenario, { pgUrl: db.url, postgres: { planCheckIntervalMs: 300 } });
    await obs!.start(ctx);
    await sleep(1000);
    await obs!.stop();
    const o = await loadObserved(ctx.runDir);
    const warnings = o.meta?.warnings ?? [];
    ATTEMPTS.forEach(([name], i) => {
      expect(warnings.some((w) => w.startsWith(`plan ${name} (plans[${i}].sql) is not EXPLAINed: refused: `)), name).toBe(true);
      // refused once at the start, then left alone (no re-check, no EXPLAIN at the end)
      expect(o.plans.filter((p) => p.query === name).map((p) => p.label), name).toEqual(['start']);
    });
    const good = o.plans.filter((p) => p.query === HARMLESS[2]![0]);
    expect(good.map((p) => p.label)).toContain('end');
    expect(good.every((p) => p.ok)).toBe(true);
    expect(await state()).toBe(before);
    await expectVictimAlive();
  }, 120_000);

  it('`plans snapshot` (with and without --analyze) exits 1 naming every refused plan, and EXPLAINs the harmless ones', async () => {
    const attempts = scenarioWith('attempts', ATTEMPTS);
    const harmless = scenarioWith('harmless', HARMLESS);
    const single = scenarioWith('single', [ATTEMPTS[0]!]);
    const snapshot = (scenario: string, analyze: boolean) =>
      cli(['plans', 'snapshot', '--scenario', scenario, '--db', db.url, '--file', join(dir, `plans-${analyze}.json`), ...(analyze ? ['--analyze'] : [])]);
    // Both modes at once (the machine is shared: few processes).
    const [plain, analyzed, good, goodAnalyzed, one] = await Promise.all([
      snapshot(attempts, false), snapshot(attempts, true), snapshot(harmless, false), snapshot(harmless, true), snapshot(single, true),
    ]);
    for (const res of [plain, analyzed]) {
      expect(res.code, res.stderr).toBe(1);
      ATTEMPTS.forEach(([name], i) => {
        expect(res.stderr, name).toContain(`${attempts}:${4 + 2 * i}: plans[${i}].sql (${name}): refused: `);
      });
      expect(res.stderr).toMatch(/hint: prodshape only EXPLAINs single read-only SELECT statements/);
    }
    for (const res of [good, goodAnalyzed]) {
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toMatch(new RegExp(`wrote ${HARMLESS.length} plan fingerprints`));
    }
    // One refused plan: the whole message is the one line the user reads.
    expect(one.code).toBe(1);
    expect(one.stderr.split('\n')[0]).toBe(`prodshape: ${single}:4: plans[0].sql (commit-chain): refused: more than one statement`);
    expect(await state()).toBe(before);
    await expectVictimAlive();
  }, 240_000);
});
