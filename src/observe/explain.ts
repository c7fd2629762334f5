/**
 * Running EXPLAIN safely: the read-only guarantee rests here, on what the
 * database does, not on reading SQL text. For each EXPLAIN:
 *  1. the text guard (sql-guard.ts) refuses the obvious with a clear message;
 *  2. every statement is sent in the extended query protocol (Parse/Bind/
 *     Execute, `queryMode: 'extended'`), where PostgreSQL refuses a `;`-chain
 *     ("cannot insert multiple commands into a prepared statement");
 *  3. inside `BEGIN READ ONLY` (checked with `transaction_read_only`), with
 *     statement_timeout, lock_timeout, idle_in_transaction_session_timeout
 *     and standard_conforming_strings set local to it (`set_config(…, true)`,
 *     as SET LOCAL), and always rolled back;
 *  4. before planning, every function the text names is looked up in pg_proc
 *     (in any schema) and refused unless built-in, stable or immutable and not
 *     denied (the planner may evaluate such functions);
 *  5. PostgreSQL must accept the statement as a subquery (a plain query: no
 *     DML, `SELECT … INTO`, CREATE TABLE AS or utility statement), then
 *     `EXPLAIN (VERBOSE, FORMAT JSON)` (plans, does not execute) and the plan
 *     guard (plan-guard.ts): no ModifyTable or LockRows node, and every
 *     function, operator and cast the plan calls checked against the catalog;
 *  6. only then the requested EXPLAIN: plain `EXPLAIN (FORMAT JSON)`, or
 *     `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)`, which executes the statement.
 * Parameters are bound values (`$1`), which gives the custom plan for those
 * values (what a driver's unnamed statement gets). A refusal throws
 * PS_EXPLAIN_REFUSED with a message starting `refused: `.
 */
import type pg from 'pg';
import { ProdshapeError, errorMessage, type ErrorCode } from '../core/errors.js';
import { redact } from '../core/secrets.js';
import type { PlanRecord } from './files.js';
import { planRelations, summarisePlan } from './fingerprint.js';
import type { PlanTarget } from './params.js';
import { judgeCalls, judgeTextCalls, planCalls, procProblem, type ProcRow } from './plan-guard.js';
import { checkReadOnly } from './sql-guard.js';
import { calledNames, lexSql, type Token } from './sql-lex.js';

/** Marks the observer's own statements, so pg_stat_statements deltas can leave them out. */
export const OBSERVER_MARK = '/* prodshape-observer */';

/** `application_name` of the observer's connections (left out of pg_stat_activity counts). */
export const OBSERVER_APP = 'prodshape-observer';

/** Code of a statement prodshape will not EXPLAIN; its message starts with REFUSED_PREFIX. */
export const REFUSED_CODE = 'PS_EXPLAIN_REFUSED' satisfies ErrorCode;
export const REFUSED_PREFIX = 'refused: ';

/** The error of a statement prodshape will not EXPLAIN (PS_EXPLAIN_REFUSED, message `refused: …`). */
export const refuse = (reason: string): ProdshapeError =>
  new ProdshapeError(REFUSED_CODE, `${REFUSED_PREFIX}${reason}`, {
    hint: 'prodshape only EXPLAINs single read-only SELECT statements that call built-in stable or immutable functions',
  });

/** True for a plan record whose statement was refused by the read-only guard (not merely failed to plan). */
export const isRefused = (r: Pick<PlanRecord, 'error'>): boolean => r.error?.startsWith(REFUSED_PREFIX) === true;

export interface ExplainOptions {
  /** EXPLAIN ANALYZE (executes the statement) with BUFFERS; plain EXPLAIN otherwise. */
  analyze: boolean;
  /** statement_timeout for the EXPLAIN, ms (default 30 s). */
  timeoutMs?: number;
  /** lock_timeout, ms (default 2 s): a migration holding a lock must not stall the observer. */
  lockTimeoutMs?: number;
  /**
   * With ANALYZE, run it this many times and keep the fastest (default 1): the
   * first run warms the cache, so one sample can be far from the plan's cost.
   */
  best?: number;
}

/** A query sent in the extended protocol even without parameters (node-postgres otherwise sends those as a simple query). */
interface ExtendedQuery extends pg.QueryConfig {
  queryMode: 'extended';
}

/** Sends one statement as Parse/Bind/Execute: PostgreSQL refuses more than one command in it. */
export const sendExtended = <R extends pg.QueryResultRow>(client: pg.ClientBase, text: string, values: readonly unknown[] = []): Promise<pg.QueryResult<R>> => {
  const q: ExtendedQuery = { text: `${OBSERVER_MARK} ${text}`, values: [...values], queryMode: 'extended' };
  return client.query<R>(q);
};

/** pg_proc rows of the named functions (names compared lowercased, every schema). */
const procRows = async (client: pg.ClientBase, names: readonly string[]): Promise<ProcRow[]> => {
  if (names.length === 0) return [];
  const res = await sendExtended<ProcRow>(client, `SELECT p.proname, n.nspname, p.provolatile::text AS provolatile, pg_function_is_visible(p.oid) AS visible
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE lower(p.proname) = ANY($1::text[])`, [[...new Set(names.map((x) => x.toLowerCase()))]]);
  return res.rows;
};

/** The first reason to refuse the plan's operators (by their implementing function) and casts, or null. */
const judgeOperatorsAndCasts = async (client: pg.ClientBase, operators: readonly string[], casts: readonly string[]): Promise<string | null> => {
  if (operators.length > 0) {
    const ops = await sendExtended<ProcRow & { oprname: string }>(client, `SELECT o.oprname, p.proname, n.nspname, p.provolatile::text AS provolatile
      FROM pg_operator o JOIN pg_proc p ON p.oid = o.oprcode JOIN pg_namespace n ON n.oid = p.pronamespace WHERE o.oprname = ANY($1::text[])`, [[...new Set(operators)]]);
    for (const o of ops.rows) {
      const problem = procProblem(o);
      if (problem !== null) return `it uses the operator ${o.oprname}, implemented by ${problem}`;
    }
  }
  if (casts.some((c) => c === '')) return 'a cast in its plan cannot be read';
  if (casts.length === 0) return null;
  const types = [...new Set(casts)];
  const fns = await sendExtended<ProcRow & { type: string }>(client, `SELECT x.type, p.proname, n.nspname, p.provolatile::text AS provolatile
    FROM unnest($1::text[]) AS x(type) JOIN pg_cast c ON c.casttarget = to_regtype(x.type)
    JOIN pg_proc p ON p.oid = c.castfunc JOIN pg_namespace n ON n.oid = p.pronamespace`, [types]);
  for (const f of fns.rows) {
    const problem = procProblem(f);
    if (problem !== null) return `it casts to ${f.type} through ${problem}`;
  }
  // A domain's CHECK constraints (on it, its base domains or an array's elements) may call anything.
  const checked = await sendExtended<{ type: string }>(client, `WITH RECURSIVE d(oid, type) AS (
      SELECT to_regtype(x.type)::oid, x.type FROM unnest($1::text[]) AS x(type) WHERE to_regtype(x.type) IS NOT NULL
      UNION SELECT CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.typelem END, d.type FROM d JOIN pg_type t ON t.oid = d.oid
      WHERE t.typtype = 'd' OR (t.typcategory = 'A' AND t.typelem <> 0))
    SELECT DISTINCT d.type FROM d JOIN pg_constraint c ON c.contypid = d.oid AND c.contype = 'c'`, [types]);
  const domain = checked.rows[0];
  return domain === undefined ? null : `it casts to ${domain.type}, a domain with CHECK constraints`;
};

/**
 * PostgreSQL's own word that the statement is a plain query: it must plan as
 * a subquery (`SELECT * FROM (<statement>) AS q`, plain EXPLAIN, nothing
 * executed), which only a SELECT without INTO and without data-modifying
 * WITH can (EXPLAIN alone would take `SELECT … INTO`, CREATE TABLE AS,
 * DECLARE, EXECUTE and DML). A statement valid on its own has every
 * string, quote and comment closed, so it cannot swallow the wrapper.
 */
const acceptedAsSubquery = async (client: pg.ClientBase, body: string, params: readonly unknown[]): Promise<void> => {
  try {
    await sendExtended(client, `EXPLAIN (FORMAT JSON) SELECT * FROM (\n${body}\n) AS prodshape_guard`, params);
  } catch (e) {
    const code = (e as { code?: unknown } | null)?.code;
    // 42601 syntax error (DML, SELECT … INTO, utility statements), 0A000 (WITH with DML not at the top level).
    if (code === '42601' || code === '0A000') throw refuse(`PostgreSQL does not take it as a plain query: ${errorMessage(e)}`);
    throw e;
  }
};

/** Runs `work` inside a READ ONLY transaction with timeouts, and always rolls it back. */
const inReadOnlyTransaction = async <T>(client: pg.ClientBase, opts: ExplainOptions, work: () => Promise<T>): Promise<T> => {
  const timeoutMs = Math.round(opts.timeoutMs ?? 30_000);
  await sendExtended(client, 'BEGIN READ ONLY');
  try {
    // One round trip: settings local to the transaction, and the server's word that it is read-only.
    // idle_in_transaction_session_timeout: if prodshape stalls mid-transaction, the server ends the session.
    // standard_conforming_strings: the text guard reads strings the way the server does only with standard strings.
    const ro = await sendExtended<{ ro: string }>(client, `SELECT set_config('statement_timeout', $1, true), set_config('lock_timeout', $2, true),
      set_config('idle_in_transaction_session_timeout', $3, true), set_config('standard_conforming_strings', 'on', true),
      current_setting('transaction_read_only') AS ro`, [String(timeoutMs), String(Math.round(opts.lockTimeoutMs ?? 2_000)), String(timeoutMs + 10_000)]);
    if (ro.rows[0]?.ro !== 'on') throw refuse('the server did not start a read-only transaction');
    return await work();
  } finally {
    await sendExtended(client, 'ROLLBACK');
  }
};

/** A server error that means PostgreSQL itself refused the statement (a second command, a write). */
const serverRefusal = (e: unknown): string | null => {
  const code = (e as { code?: unknown } | null)?.code;
  const message = errorMessage(e);
  if (code === '25006' || /cannot insert multiple commands into a prepared statement/.test(message)) return `PostgreSQL refused it: ${message}`;
  return null;
};

/**
 * The database-side part of `runExplain` (steps 2 to 6), without the text
 * guard: exported so tests can prove it holds on its own.
 */
export const explainReadOnly = async (client: pg.ClientBase, sql: string, params: readonly unknown[], opts: ExplainOptions): Promise<unknown> => {
  let body: string;
  let names: string[];
  try {
    const tokens = lexSql(sql);
    // Trailing semicolons, comments and whitespace are not part of the statement (the wrapper of step 5 must close after it).
    const trailing = (t: Token | undefined): boolean => t !== undefined && (t.kind === 'space' || t.kind === 'comment' || t.raw === ';');
    while (trailing(tokens[tokens.length - 1])) tokens.pop();
    body = tokens.map((t) => t.raw).join('').trim();
    names = calledNames(tokens).map((c) => c.name);
  } catch (e) {
    throw refuse(`cannot read the statement: ${errorMessage(e)}`);
  }
  try {
    return await inReadOnlyTransaction(client, opts, async () => {
      const early = judgeTextCalls(names, await procRows(client, names));
      if (early !== null) throw refuse(early);
      await acceptedAsSubquery(client, body, params);
      const verbose = await sendExtended<{ 'QUERY PLAN': unknown }>(client, `EXPLAIN (VERBOSE, FORMAT JSON) ${body}`, params);
      const calls = planCalls(verbose.rows[0]?.['QUERY PLAN']);
      if (calls.writes.length > 0) throw refuse(`its plan writes or locks rows (${calls.writes.join(', ')})`);
      if (calls.unreadable.length > 0) throw refuse(`its plan has an expression that cannot be checked: ${calls.unreadable[0] ?? ''}`);
      const why = judgeCalls(calls.functions, await procRows(client, calls.functions.map((f) => f.name)))
        ?? (await judgeOperatorsAndCasts(client, calls.operators, calls.casts));
      if (why !== null) throw refuse(why);
      const options = opts.analyze ? 'ANALYZE, BUFFERS, FORMAT JSON' : 'FORMAT JSON';
      const res = await sendExtended<{ 'QUERY PLAN': unknown }>(client, `EXPLAIN (${options}) ${body}`, params);
      const plan = res.rows[0]?.['QUERY PLAN'];
      return typeof plan === 'string' ? (JSON.parse(plan) as unknown) : plan;
    });
  } catch (e) {
    const refused = serverRefusal(e);
    if (refused !== null) throw refuse(refused);
    throw e;
  }
};

/** Runs EXPLAIN (…, FORMAT JSON) on a read-only statement and returns the JSON; throws PS_EXPLAIN_REFUSED for anything else. */
export const runExplain = async (client: pg.ClientBase, sql: string, params: readonly unknown[], opts: ExplainOptions): Promise<unknown> => {
  const verdict = checkReadOnly(sql);
  if (!verdict.ok) throw refuse(verdict.reason);
  return explainReadOnly(client, sql, params, opts);
};

/** Estimated rows of the named relations (pg_class.reltuples; -1 for never-analysed tables reads as 0). */
export const relationSizes = async (client: pg.ClientBase, names: string[]): Promise<Map<string, number>> => {
  const out = new Map<string, number>();
  if (names.length === 0) return out;
  const res = await client.query<{ relname: string; rows: number }>(
    `${OBSERVER_MARK} SELECT relname, max(greatest(reltuples, 0))::float8 AS rows FROM pg_class WHERE relname = ANY($1) AND relkind IN ('r', 'p', 'm') GROUP BY relname`,
    [names],
  );
  for (const r of res.rows) out.set(r.relname, Number(r.rows));
  return out;
};

/** Where and why a plan record is taken. */
export interface PlanWhen {
  t_s: number;
  label: string;
  source: PlanRecord['source'];
  /** The record's `query` (defaults to the plan's name). */
  query?: string;
  queryid?: string | null;
}

/** The fields of a plan target's record that do not depend on its plan, and its record when it failed. */
export const planRecordOf = (target: PlanTarget, when: PlanWhen, analyze: boolean) => {
  const base = {
    t_s: when.t_s, label: when.label, source: when.source, query: when.query ?? target.plan.name, queryid: when.queryid ?? null,
    bucket: target.bucket, tenant: target.tenant?.id ?? null, tenant_rows: target.tenant?.rows ?? null, analyze,
  };
  const failed = (error: string): PlanRecord => ({
    ...base, ok: false, error: redact(error), fingerprint: null, shape: null, tree: [], planning_ms: null, execution_ms: null, blocks: null, rows_examined: null, flags: [], plan: null,
  });
  return { base, failed };
};

/** EXPLAINs one plan target into a PlanRecord; failures become a record with `ok: false`. */
export const explainTarget = async (client: pg.ClientBase, target: PlanTarget, when: PlanWhen, opts: ExplainOptions): Promise<PlanRecord> => {
  const { base, failed } = planRecordOf(target, when, opts.analyze);
  if (target.error !== null) return failed(target.error);
  try {
    let json = await runExplain(client, target.plan.sql, target.params, opts);
    let first = summarisePlan(json);
    if (first === null) return failed('EXPLAIN returned no plan');
    for (let k = 1; opts.analyze && k < (opts.best ?? 1); k++) {
      const again = await runExplain(client, target.plan.sql, target.params, opts);
      const s2 = summarisePlan(again);
      if (s2 !== null && s2.fingerprint === first.fingerprint && (s2.executionMs ?? Infinity) < (first.executionMs ?? Infinity)) {
        json = again;
        first = s2;
      }
    }
    const sizes = await relationSizes(client, planRelations(first.root));
    const s = summarisePlan(json, sizes) ?? first;
    return {
      ...base, ok: true, error: null, fingerprint: s.fingerprint, shape: s.shape, tree: s.tree,
      planning_ms: s.planningMs, execution_ms: s.executionMs, blocks: s.blocks, rows_examined: s.rowsExamined, flags: s.flags, plan: opts.analyze ? s.root : null,
    };
  } catch (e) {
    return failed(errorMessage(e));
  }
};
