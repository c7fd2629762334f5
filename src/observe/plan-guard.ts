/**
 * The plan guard: what a statement's plan (`EXPLAIN (VERBOSE, FORMAT JSON)`,
 * which does not execute it) says it would do, and whether that may be
 * executed by EXPLAIN ANALYZE. Refused:
 *  - a data-modifying or row-locking node (ModifyTable: INSERT, UPDATE,
 *    DELETE, MERGE, also inside a CTE; LockRows: FOR UPDATE/SHARE);
 *  - a call of a function that is not in pg_catalog, is volatile, or is on the
 *    deny list (sql-guard.ts DENIED_FUNCTIONS), or that pg_proc does not list;
 *  - an operator whose implementing function is any of those;
 *  - a cast to a type whose cast function is any of those, or to a domain
 *    with CHECK constraints (which may call anything).
 * The functions are read from the plan's expressions (Output, Filter, Index
 * Cond, Function Call, …), where PostgreSQL writes a function unqualified when
 * the search path finds it and `schema.name` otherwise. Pure: explain.ts
 * reads the catalog rows and calls `judgeCalls`.
 */
import { deniedFunction } from './sql-guard.js';
import { lexSql, significant, type Token } from './sql-lex.js';

/** What a plan calls, as written in its expressions. */
export interface PlanCalls {
  /** Node types that write or lock (`ModifyTable (Delete)`, `LockRows`). */
  writes: string[];
  functions: { schema: string | null; name: string }[];
  operators: string[];
  /** Cast target types as written after `::` (`character varying(3)`, `public.money_d`). */
  casts: string[];
  /** Expressions that could not be read (refused: what cannot be read cannot be checked). */
  unreadable: string[];
}

/** Keys whose string values name things (relations, indexes, strategies) rather than hold expressions. */
const NAME_KEYS = new Set([
  'Node Type', 'Strategy', 'Partial Mode', 'Parent Relationship', 'Join Type', 'Scan Direction', 'Relation Name', 'Schema', 'Alias',
  'Index Name', 'CTE Name', 'Subplan Name', 'Function Name', 'Operation', 'Cache Mode', 'Sampling Method', 'Command', 'Plans',
]);

/**
 * Words PostgreSQL writes before `(` that are syntax, not functions: the
 * reserved keywords (a function of such a name is written quoted) and the
 * SQL-standard forms that are not pg_proc names (COALESCE, TRIM, …).
 */
const SYNTAX_WORDS = new Set([
  'all', 'analyse', 'analyze', 'and', 'any', 'array', 'as', 'asc', 'asymmetric', 'both', 'case', 'cast', 'check', 'collate', 'column',
  'constraint', 'create', 'current_catalog', 'current_date', 'current_role', 'current_time', 'current_timestamp', 'current_user', 'default',
  'deferrable', 'desc', 'distinct', 'do', 'else', 'end', 'except', 'false', 'fetch', 'for', 'foreign', 'from', 'grant', 'group', 'having',
  'in', 'initially', 'intersect', 'into', 'lateral', 'leading', 'limit', 'localtime', 'localtimestamp', 'not', 'null', 'offset', 'on',
  'only', 'or', 'order', 'placing', 'primary', 'references', 'returning', 'select', 'session_user', 'some', 'symmetric', 'table', 'then',
  'to', 'trailing', 'true', 'union', 'unique', 'user', 'using', 'variadic', 'when', 'where', 'window', 'with',
  'between', 'coalesce', 'collation', 'exists', 'filter', 'greatest', 'grouping', 'groups', 'is', 'least', 'like', 'nullif', 'operator',
  'over', 'partition', 'range', 'row', 'rows', 'similar', 'escape', 'treat', 'trim', 'values', 'within', 'by', 'subplan', 'initplan',
  'xmlattributes', 'xmlconcat', 'xmlelement', 'xmlexists', 'xmlforest', 'xmlnamespaces', 'xmlparse', 'xmlpi', 'xmlroot', 'xmlserialize',
]);

/** Words of multi-word type names after `::`. */
const TYPE_WORDS = new Set(['varying', 'precision', 'with', 'without', 'time', 'zone']);

/** Function calls, operators and cast types of one expression as EXPLAIN VERBOSE writes it. */
const readExpression = (expr: string, into: PlanCalls): void => {
  let sig: Token[];
  try {
    sig = significant(lexSql(expr));
  } catch {
    into.unreadable.push(expr);
    return;
  }
  for (let k = 0; k < sig.length; k++) {
    const t = sig[k];
    if (t === undefined) continue;
    if (t.raw === '::') {
      // The cast's type: names, dots, type words, a typmod `(10,2)` and `[]`.
      let type = '';
      let j = k + 1;
      for (; j < sig.length; j++) {
        const u = sig[j];
        if (u === undefined) break;
        const name = (u.kind === 'ident' || u.kind === 'qident') && (type === '' || type.endsWith('.') || TYPE_WORDS.has(u.value));
        const typmod = u.raw === '(' && /^\(\s*\d+(\s*,\s*\d+)*\s*\)/.test(sig.slice(j, j + 6).map((x) => x.raw).join(''));
        if (name) type += type === '' || type.endsWith('.') ? u.raw : ` ${u.raw}`;
        else if (u.raw === '.') type += '.';
        else if (typmod) {
          while (sig[j]?.raw !== ')') type += sig[j++]?.raw ?? '';
          type += ')';
        } else if (u.raw === '[' && sig[j + 1]?.raw === ']') {
          type += '[]';
          j++;
        } else break;
      }
      into.casts.push(type);
      k = j - 1;
    } else if (t.kind === 'op') {
      into.operators.push(t.raw);
    } else if ((t.kind === 'ident' || t.kind === 'qident') && sig[k + 1]?.raw === '(') {
      if (t.kind === 'ident' && SYNTAX_WORDS.has(t.value)) continue;
      const schema = sig[k - 1]?.raw === '.' ? sig[k - 2] : undefined;
      into.functions.push({ schema: schema === undefined ? null : schema.value, name: t.value });
    }
  }
};

/** Collects what every node of an EXPLAIN (VERBOSE, FORMAT JSON) plan writes, locks, calls and casts to. */
export const planCalls = (explainJson: unknown): PlanCalls => {
  const out: PlanCalls = { writes: [], functions: [], operators: [], casts: [], unreadable: [] };
  const visitValue = (v: unknown): void => {
    if (typeof v === 'string') readExpression(v, out);
    else if (Array.isArray(v)) v.forEach(visitValue);
    else if (typeof v === 'object' && v !== null) visitNode(v as Record<string, unknown>);
  };
  const visitNode = (node: Record<string, unknown>): void => {
    const type = node['Node Type'];
    if (type === 'ModifyTable') out.writes.push(`ModifyTable (${typeof node.Operation === 'string' ? node.Operation : '?'})`);
    if (type === 'LockRows') out.writes.push('LockRows');
    if (typeof node['Function Name'] === 'string') {
      out.functions.push({ schema: typeof node.Schema === 'string' ? node.Schema : null, name: node['Function Name'] });
    }
    for (const [k, v] of Object.entries(node)) {
      if (k === 'Plans' || k === 'Plan') (Array.isArray(v) ? v : [v]).forEach(visitValue);
      else if (!NAME_KEYS.has(k)) visitValue(v);
    }
  };
  (Array.isArray(explainJson) ? explainJson : [explainJson]).forEach((top) => {
    const plan = (top as { Plan?: unknown } | null)?.Plan;
    if (typeof plan === 'object' && plan !== null) visitNode(plan as Record<string, unknown>);
  });
  return out;
};

/** A pg_proc row as explain.ts reads it. */
export interface ProcRow {
  proname: string;
  nspname: string;
  provolatile: string;
  /** pg_function_is_visible: found through the search path without a schema. */
  visible: boolean;
}

/** Why a function may not be executed by EXPLAIN ANALYZE, or null when it may. */
export const procProblem = (p: Pick<ProcRow, 'proname' | 'nspname' | 'provolatile'>): string | null => {
  const name = `${p.nspname}.${p.proname}()`;
  if (deniedFunction(p.proname) !== null) return `${name}, whose effects a read-only transaction does not stop`;
  if (p.nspname !== 'pg_catalog') return `${name}, which is not built in (only pg_catalog functions are allowed)`;
  if (p.provolatile !== 'i' && p.provolatile !== 's') return `${name}, which is VOLATILE`;
  return null;
};

/** The first reason to refuse a function call, given the pg_proc rows of every called name. */
export const judgeCalls = (calls: PlanCalls['functions'], procs: readonly ProcRow[]): string | null => {
  for (const c of calls) {
    const name = c.name.toLowerCase();
    const candidates = procs.filter((p) => p.proname.toLowerCase() === name && (c.schema === null ? p.visible : p.nspname.toLowerCase() === c.schema.toLowerCase()));
    if (candidates.length === 0) return `it calls ${c.schema === null ? '' : `${c.schema}.`}${c.name}(), which pg_proc does not list`;
    for (const p of candidates) {
      const problem = procProblem(p);
      if (problem !== null) return `it calls ${problem}`;
    }
  }
  return null;
};

/**
 * Before planning (the planner evaluates immutable and stable functions with
 * constant arguments, and stable ones to estimate selectivity): the first
 * reason to refuse a name the statement's text calls, checking every pg_proc
 * row of that name in any schema. Names pg_proc does not list are left to the
 * plan check (they are syntax, like COALESCE, or fail to plan).
 */
export const judgeTextCalls = (names: readonly string[], procs: readonly ProcRow[]): string | null => {
  for (const name of names) {
    for (const p of procs.filter((x) => x.proname.toLowerCase() === name.toLowerCase())) {
      const problem = procProblem(p);
      if (problem !== null) return `it calls ${problem}`;
    }
  }
  return null;
};
