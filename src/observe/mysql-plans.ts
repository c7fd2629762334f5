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
 *  - plain EXPLAIN only: nothing is ANALYZEd (executed).
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

/** Integer-looking parameters are sent as numbers (MySQL wants a number for `LIMIT ?`). */
const bindValue = (p: string): string | number => (/^-?\d{1,15}$/.test(p) ? Number(p) : p);

/** The session variable saying the transaction is read-only (MariaDB before 11.1 knows only `tx_read_only`; MySQL 8 only `transaction_read_only`). */
export type ReadOnlyVariable = 'tx_read_only' | 'transaction_read_only';

/**
 * `EXPLAIN FORMAT=JSON` of one statement inside a READ ONLY transaction that
 * is always rolled back, after the derived-table check (see the file's comment).
 */
export const explainMysqlReadOnly = async (c: mysql.Connection, sql: string, params: readonly string[], roVariable: ReadOnlyVariable): Promise<unknown> => {
  const body = sql.replace(/[\s;]+$/, '');
  const values = params.map(bindValue);
  await c.query('START TRANSACTION READ ONLY');
  try {
    const [ro] = await c.query(`SELECT @@${roVariable} AS ro`);
    if (Number((ro as { ro: unknown }[])[0]?.ro) !== 1) throw refuse('the server did not start a read-only transaction');
    await c.execute(`EXPLAIN FORMAT=JSON SELECT * FROM (\n${body}\n) AS prodshape_guard`, values);
    const [rows] = await c.execute(`EXPLAIN FORMAT=JSON ${body}`, values);
    const first = (rows as Record<string, unknown>[])[0];
    const text = first === undefined ? undefined : Object.values(first)[0];
    return typeof text === 'string' ? (JSON.parse(text) as unknown) : text;
  } catch (e) {
    const reason = REFUSING_ERRNO.get(Number((e as { errno?: unknown }).errno));
    throw reason === undefined ? e : refuse(`${reason}: ${errorMessage(e)}`);
  } finally {
    await c.query('ROLLBACK');
  }
};

/** EXPLAINs one plan target into a PlanRecord; failures become a record with `ok: false`. */
export const explainMysqlTarget = async (c: mysql.Connection, target: PlanTarget, when: PlanWhen, roVariable: ReadOnlyVariable): Promise<PlanRecord> => {
  const { base, failed } = planRecordOf(target, when, false);
  if (target.error !== null) return failed(target.error);
  try {
    const s = summariseMysqlPlan(await explainMysqlReadOnly(c, target.plan.sql, target.params, roVariable));
    if (s === null) return failed('EXPLAIN returned no plan');
    return { ...base, ok: true, error: null, ...s, planning_ms: null, execution_ms: null, blocks: null, rows_examined: null, flags: [], plan: null };
  } catch (e) {
    return failed(errorMessage(e));
  }
};

/** A read-only session with a statement timeout (`timeoutMs`) and 2 s lock waits; returns the server's name and major version, and its read-only variable. */
export const readOnlySession = async (c: mysql.Connection, timeoutMs: number): Promise<{ server: string; roVariable: ReadOnlyVariable }> => {
  const [v] = await c.query('SELECT VERSION() AS v');
  const version = String((v as { v: string | undefined }[])[0]?.v ?? '');
  const mariadb = /mariadb/i.test(version);
  await c.query('SET SESSION TRANSACTION READ ONLY');
  await c.query(mariadb ? `SET SESSION max_statement_time = ${timeoutMs / 1000}` : `SET SESSION max_execution_time = ${Math.round(timeoutMs)}`);
  await c.query('SET SESSION lock_wait_timeout = 2, SESSION innodb_lock_wait_timeout = 2');
  const [vars] = await c.query("SHOW SESSION VARIABLES WHERE Variable_name IN ('tx_read_only', 'transaction_read_only')");
  const roVariable = (vars as { Variable_name: string }[]).some((r) => r.Variable_name === 'transaction_read_only') ? 'transaction_read_only' : 'tx_read_only';
  return { server: `${mariadb ? 'MariaDB' : 'MySQL'} ${/^(\d+\.\d+)/.exec(version)?.[1] ?? version}`, roVariable };
};

/** Like collectPlans, on a MySQL/MariaDB URL (plain EXPLAIN only). */
export const collectMysqlPlans = async (scenario: Scenario, dbUrl: string, manifest: Manifest | null, timeoutMs = 30_000): Promise<CollectedPlans> => {
  const tenants = await loadTenants(manifest, scenario.tenants);
  const c = await connectMysql(dbUrl, 'PS_DB_UNREACHABLE');
  try {
    const { server: serverVersion, roVariable } = await readOnlySession(c, timeoutMs);
    const records: PlanRecord[] = [];
    for (const plan of scenario.plans) {
      for (const t of planTargets(plan, tenants)) records.push(await explainMysqlTarget(c, t, { t_s: 0, label: 'snapshot', source: 'plans' }, roVariable));
    }
    return collectedFrom(scenario, records, serverVersion);
  } finally {
    await c.end().catch(() => undefined);
  }
};
