/**
 * `prodshape plans snapshot|check` on MySQL/MariaDB: `EXPLAIN FORMAT=JSON` of
 * each `plans:` query per tenant-size bucket, fingerprinted by what the
 * optimizer chose: for each table in join order, its access type (`const`,
 * `ref`, `range`, `index`, `ALL`, …) and the key it uses. Row estimates are
 * left out, so the fingerprint changes only when the plan does.
 *
 * Read-only, by the server (no SQL is parsed here):
 *  - one statement per call: mysql2 with `multipleStatements: false`, and
 *    every EXPLAIN a prepared statement (`execute`), which holds one statement;
 *  - the session is `SET SESSION TRANSACTION READ ONLY` and each EXPLAIN runs
 *    inside `START TRANSACTION READ ONLY`, always rolled back: a write, a
 *    locking read (`FOR UPDATE`) or a stored function that writes is refused
 *    by the server even if the optimizer evaluates it while planning;
 *  - a statement timeout (`max_statement_time` on MariaDB, every statement;
 *    `max_execution_time` on MySQL, SELECTs only) and short lock waits;
 *  - the server must accept the statement as a derived table
 *    (`SELECT * FROM (<statement>) AS prodshape_guard`), which only a single
 *    plain SELECT can be (no `;`, INTO, SET, CALL, DO, DML or WITH … DELETE);
 *  - ANALYZE (which executes the statement) only when asked, and only when
 *    the plain EXPLAIN and the server's rendering show a plain SELECT calling
 *    nothing with effects a rollback does not undo (mysql-analyze.ts).
 * A refusal is a record whose error starts `refused: ` (exit 1 in `plans`).
 */
import { createHash } from 'node:crypto';
import type mysql from 'mysql2/promise';
import { errorMessage } from '../core/errors.js';
import { connectMysql } from '../data/sinks/mysql-conn.js';
import type { Manifest } from '../data/manifest.js';
import type { Scenario } from '../scenario/scenario.js';
import { planRecordOf, refuse, type PlanWhen } from './explain.js';
import type { PlanRecord } from './files.js';
import { loadTenants, planTargets, type PlanTarget } from './params.js';
import {
  callsAnalyzeProblem, loadableFunctions, mariadbAnalyzeStats, mysqlAnalyzeStats, planAnalyzeProblem, renderedQuery, type AnalyzeStats,
} from './mysql-analyze.js';
import { collectedFrom, type CollectedPlans } from './plans-run.js';

/** One table of a MySQL plan, in join order. */
export interface MysqlPlanTable { table: string; access: string; key: string | null }

/** The tables of an `EXPLAIN FORMAT=JSON` document, depth first (join order, then subqueries). Pure. */
export const mysqlPlanTables = (doc: unknown): MysqlPlanTable[] => {
  const out: MysqlPlanTable[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
      return;
    }
    if (v === null || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      const t = x as { table_name?: unknown; access_type?: unknown; key?: unknown } | null;
      if (k === 'table' && t !== null && typeof t === 'object' && typeof t.table_name === 'string') {
        out.push({ table: t.table_name, access: typeof t.access_type === 'string' ? t.access_type : '?', key: typeof t.key === 'string' ? t.key : null });
      }
      walk(x);
    }
  };
  walk(doc);
  return out;
};

/** Fingerprint (16 hex digits), one-line shape and tree lines of a MySQL plan; null when it names no table. Pure. */
export const summariseMysqlPlan = (doc: unknown): { fingerprint: string; shape: string; tree: string[] } | null => {
  const tables = mysqlPlanTables(doc);
  if (tables.length === 0) return null;
  const tree = tables.map((t) => `${t.access}${t.key === null ? '' : ` using ${t.key}`} on ${t.table}`);
  return { fingerprint: createHash('sha256').update(tree.join('\n')).digest('hex').slice(0, 16), shape: tree.join(' → '), tree };
};

/** Server errors that mean the server itself refused the statement as not a single read-only SELECT. */
const REFUSING_ERRNO = new Map<number, string>([
  [1064, 'the server does not take it as a single plain SELECT'],
  [1792, 'the server refused it in a READ ONLY transaction'],
  [1295, 'the server does not prepare it as one statement'],
  [1969, 'it ran past the statement timeout while being planned (EXPLAIN should execute nothing)'],
  [3024, 'it ran past the statement timeout while being planned (EXPLAIN should execute nothing)'],
]);

/** The statement-timeout errors (MariaDB's max_statement_time, MySQL's max_execution_time). */
const TIMEOUT_ERRNO = new Set([1969, 3024]);

/** Integer-looking parameters are sent as numbers (MySQL wants a number for `LIMIT ?`). */
const bindValue = (p: string): string | number => (/^-?\d{1,15}$/.test(p) ? Number(p) : p);

/** The session variable saying the transaction is read-only (MariaDB before 11.1 knows only `tx_read_only`; MySQL 8 only `transaction_read_only`). */
export type ReadOnlyVariable = 'tx_read_only' | 'transaction_read_only';

/** What the EXPLAIN path knows about its read-only session (readOnlySession). */
export interface MysqlSession {
  /** `MariaDB 10.11`, `MySQL 8.0`. */
  server: string;
  mariadb: boolean;
  roVariable: ReadOnlyVariable;
  /** Loadable function (UDF) names, lowercase (empty when `mysql.func` cannot be read). */
  loadable: ReadonlySet<string>;
}

/** A plain EXPLAIN's JSON, and what ANALYZE measured when it was asked for. */
export interface MysqlExplained { doc: unknown; stats: AnalyzeStats | null }

const firstCell = (rows: unknown): unknown => {
  const first = (rows as Record<string, unknown>[])[0];
  return first === undefined ? undefined : Object.values(first)[0];
};

const jsonCell = (rows: unknown): unknown => {
  const text = firstCell(rows);
  return typeof text === 'string' ? (JSON.parse(text) as unknown) : text;
};

/** How a refusal of ANALYZE alone starts, after `refused: ` (the plain EXPLAIN was fine). */
export const NOT_ANALYZED = 'not ANALYZEd: ';

/** ANALYZE of a statement whose plain EXPLAIN is `doc`, after the checks of mysql-analyze.ts; throws a refusal otherwise. */
const analyzeReadOnly = async (c: mysql.Connection, body: string, values: (string | number)[], doc: unknown, session: MysqlSession): Promise<AnalyzeStats> => {
  const planProblem = planAnalyzeProblem(doc);
  if (planProblem !== null) throw refuse(`${NOT_ANALYZED}${planProblem}`);
  const rendered = await renderedQuery(c, body, values, session.mariadb);
  if (rendered === null) throw refuse(`${NOT_ANALYZED}the server did not show how it reads the statement`);
  const callProblem = callsAnalyzeProblem(rendered, session.loadable);
  if (callProblem !== null) throw refuse(`${NOT_ANALYZED}${callProblem}`);
  try {
    if (session.mariadb) return mariadbAnalyzeStats(jsonCell((await c.execute(`ANALYZE FORMAT=JSON ${body}`, values))[0]));
    const tree = firstCell((await c.execute(`EXPLAIN ANALYZE ${body}`, values))[0]);
    return mysqlAnalyzeStats(typeof tree === 'string' ? tree : '');
  } catch (e) {
    // Executing may take longer than the timeout: that is a failure, not a refusal.
    if (TIMEOUT_ERRNO.has(Number((e as { errno?: unknown }).errno))) throw new Error(`ANALYZE ran past the statement timeout: ${errorMessage(e)}`);
    throw e;
  }
};

/**
 * `EXPLAIN FORMAT=JSON` of one statement inside a READ ONLY transaction that
 * is always rolled back, after the derived-table check (see the file's
 * comment); with `analyze`, then ANALYZE under mysql-analyze.ts's checks.
 */
export const explainMysqlReadOnly = async (c: mysql.Connection, sql: string, params: readonly string[], session: MysqlSession, analyze = false): Promise<MysqlExplained> => {
  const body = sql.replace(/[\s;]+$/, '');
  const values = params.map(bindValue);
  await c.query('START TRANSACTION READ ONLY');
  try {
    const [ro] = await c.query(`SELECT @@${session.roVariable} AS ro`);
    if (Number((ro as { ro: unknown }[])[0]?.ro) !== 1) throw refuse('the server did not start a read-only transaction');
    await c.execute(`EXPLAIN FORMAT=JSON SELECT * FROM (\n${body}\n) AS prodshape_guard`, values);
    const doc = jsonCell((await c.execute(`EXPLAIN FORMAT=JSON ${body}`, values))[0]);
    return { doc, stats: analyze ? await analyzeReadOnly(c, body, values, doc, session) : null };
  } catch (e) {
    const reason = REFUSING_ERRNO.get(Number((e as { errno?: unknown }).errno));
    throw reason === undefined ? e : refuse(`${reason}: ${errorMessage(e)}`);
  } finally {
    await c.query('ROLLBACK');
  }
};

/** Options of one EXPLAIN of a plan target. */
export interface MysqlExplainOptions {
  /** Also ANALYZE (executes the statement; read-only statements only). */
  analyze: boolean;
  /** With ANALYZE, run it this many times and keep the fastest (default 1): the first run warms the buffer pool. */
  best?: number;
}

/** EXPLAINs (and, when asked, ANALYZEs) one plan target into a PlanRecord; failures become a record with `ok: false`. */
export const explainMysqlTarget = async (c: mysql.Connection, target: PlanTarget, when: PlanWhen, session: MysqlSession, opts: MysqlExplainOptions = { analyze: false }): Promise<PlanRecord> => {
  const { base, failed } = planRecordOf(target, when, opts.analyze);
  if (target.error !== null) return failed(target.error);
  try {
    const got = await explainMysqlReadOnly(c, target.plan.sql, target.params, session, opts.analyze);
    const s = summariseMysqlPlan(got.doc);
    if (s === null) return failed('EXPLAIN returned no plan');
    let stats = got.stats;
    for (let k = 1; opts.analyze && k < (opts.best ?? 1); k++) {
      const again = await explainMysqlReadOnly(c, target.plan.sql, target.params, session, true);
      if ((again.stats?.execution_ms ?? Infinity) < (stats?.execution_ms ?? Infinity) && summariseMysqlPlan(again.doc)?.fingerprint === s.fingerprint) stats = again.stats;
    }
    return {
      ...base, ok: true, error: null, ...s, planning_ms: stats?.planning_ms ?? null, execution_ms: stats?.execution_ms ?? null, blocks: null,
      rows_examined: stats?.rows_examined ?? null, flags: [], plan: null,
    };
  } catch (e) {
    return failed(errorMessage(e));
  }
};

/** A read-only session with a statement timeout (`timeoutMs`) and 2 s lock waits: the server's name and major version, its read-only variable and its loadable functions. */
export const readOnlySession = async (c: mysql.Connection, timeoutMs: number): Promise<MysqlSession> => {
  const [v] = await c.query('SELECT VERSION() AS v');
  const version = String((v as { v: string | undefined }[])[0]?.v ?? '');
  const mariadb = /mariadb/i.test(version);
  await c.query('SET SESSION TRANSACTION READ ONLY');
  await c.query(mariadb ? `SET SESSION max_statement_time = ${timeoutMs / 1000}` : `SET SESSION max_execution_time = ${Math.round(timeoutMs)}`);
  await c.query('SET SESSION lock_wait_timeout = 2, SESSION innodb_lock_wait_timeout = 2');
  const [vars] = await c.query("SHOW SESSION VARIABLES WHERE Variable_name IN ('tx_read_only', 'transaction_read_only')");
  const roVariable = (vars as { Variable_name: string }[]).some((r) => r.Variable_name === 'transaction_read_only') ? 'transaction_read_only' : 'tx_read_only';
  const server = `${mariadb ? 'MariaDB' : 'MySQL'} ${/^(\d+\.\d+)/.exec(version)?.[1] ?? version}`;
  return { server, mariadb, roVariable, loadable: await loadableFunctions(c) };
};

/** Like collectPlans, on a MySQL/MariaDB URL; `analyze` also runs ANALYZE (read-only statements only). */
export const collectMysqlPlans = async (scenario: Scenario, dbUrl: string, manifest: Manifest | null, timeoutMs = 30_000, analyze = false): Promise<CollectedPlans> => {
  const tenants = await loadTenants(manifest, scenario.tenants);
  const c = await connectMysql(dbUrl, 'PS_DB_UNREACHABLE');
  try {
    const session = await readOnlySession(c, timeoutMs);
    const records: PlanRecord[] = [];
    for (const plan of scenario.plans) {
      for (const t of planTargets(plan, tenants)) records.push(await explainMysqlTarget(c, t, { t_s: 0, label: 'snapshot', source: 'plans' }, session, { analyze }));
    }
    return collectedFrom(scenario, records, session.server);
  } finally {
    await c.end().catch(() => undefined);
  }
};
