/**
 * ANALYZE on MySQL/MariaDB, for read-only statements only. ANALYZE executes
 * the statement, so beyond the plain EXPLAIN's guarantees (mysql-plans.ts: a
 * READ ONLY transaction always rolled back, one statement per message, a
 * statement timeout, the derived-table check) it runs only when
 *  - the plain `EXPLAIN FORMAT=JSON` shows a SELECT (a top `query_block`) with
 *    no data-modifying part (no `update`, `delete`, `insert` or `replace`
 *    table anywhere); a locking read was already refused by the server in the
 *    READ ONLY transaction;
 *  - the server's own rendering of the statement (the Note 1003 that
 *    `EXPLAIN EXTENDED` on MariaDB, `EXPLAIN` on MySQL 8, leaves in
 *    `SHOW WARNINGS`: identifiers resolved and back-quoted, comments gone)
 *    has no locking clause (`lock in share mode`, which a READ ONLY
 *    transaction allows), and calls no stored function (rendered as a back-quoted name), no loadable
 *    function (UDF, from `mysql.func` when readable) and no built-in whose
 *    effect a rollback does not undo or that waits (user locks, SLEEP,
 *    BENCHMARK, LOAD_FILE, replication waits, sequences).
 * The figures: MariaDB's `ANALYZE FORMAT=JSON` (`r_total_time_ms`, and per
 * table `r_loops` × `r_rows`, the rows read before the attached condition),
 * MySQL 8's `EXPLAIN ANALYZE` tree (`actual time=… rows=… loops=…`).
 * Everything here but `renderedQuery` and `loadableFunctions` is pure.
 */
import type mysql from 'mysql2/promise';

/** Built-ins ANALYZE must not execute: effects that outlive a rollback, waits, files. Lowercase. */
export const DENIED_MYSQL_FUNCTIONS: ReadonlySet<string> = new Set([
  'get_lock', 'release_lock', 'release_all_locks', 'is_free_lock', 'is_used_lock', 'sleep', 'benchmark', 'load_file',
  'master_pos_wait', 'master_gtid_wait', 'source_pos_wait', 'wait_for_executed_gtid_set', 'wait_until_sql_thread_after_gtids',
  'nextval', 'setval', 'lastval', 'next_value', 'previous_value', 'sys_exec', 'sys_eval', 'last_insert_id', 'uuid_short',
]);

/** One call in the server's rendering: its name (lowercased) and whether it was back-quoted (a stored function). */
export interface RenderedCall { name: string; quoted: boolean }

/** Skips a quoted run starting at `i` (quote char `q`, doubled or backslash-escaped inside); returns the index after it. */
const skipQuoted = (s: string, i: number, q: string): number => {
  let j = i + 1;
  while (j < s.length) {
    const ch = s[j];
    if (ch === '\\' && q !== '`') j += 2;
    else if (ch === q && s[j + 1] === q) j += 2;
    else if (ch === q) return j + 1;
    else j++;
  }
  return j;
};

/** A token of the server's rendering: a bare word or a back-quoted name, and whether `(` follows it (a call). */
interface RenderedToken { word: string; quoted: boolean; call: boolean }

/** The words and back-quoted names of a rendering, strings and comments skipped. Pure. */
const renderedTokens = (text: string): RenderedToken[] => {
  const out: RenderedToken[] = [];
  let i = 0;
  const calls = (at: number): boolean => /^\s*\(/.test(text.slice(at));
  while (i < text.length) {
    const ch = text[i] ?? '';
    if (ch === "'" || ch === '"') {
      i = skipQuoted(text, i, ch);
    } else if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 2;
    } else if (ch === '`') {
      const end = skipQuoted(text, i, '`');
      out.push({ word: text.slice(i + 1, end - 1).replace(/``/g, '`').toLowerCase(), quoted: true, call: calls(end) });
      i = end;
    } else if (/[A-Za-z_]/.test(ch)) {
      const word = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(text.slice(i))?.[0] ?? ch;
      // A bare word after `.` is a qualified name's part (`t.col`), not a call of a built-in.
      out.push({ word: word.toLowerCase(), quoted: false, call: text[i - 1] !== '.' && calls(i + word.length) });
      i += word.length;
    } else i++;
  }
  return out;
};

/**
 * The function calls of a statement as the server renders it: a bare word or
 * a back-quoted name followed by `(`; strings and comments are skipped. A
 * back-quoted call may be schema-qualified (`` `shop`.`zap`() ``). Pure.
 */
export const renderedCalls = (text: string): RenderedCall[] =>
  renderedTokens(text).filter((t) => t.call).map((t) => ({ name: t.word, quoted: t.quoted }));

/** The locking clause of a rendering (`lock in share mode`, `for update`, `for share`), or null. Pure. */
export const renderedLocking = (text: string): string | null => {
  const words = renderedTokens(text).filter((t) => !t.quoted).map((t) => t.word).join(' ');
  return /\b(lock in share mode|for update|for share)\b/.exec(words)?.[1] ?? null;
};

/** Keys of a MySQL/MariaDB JSON plan that mean a data-modifying table. */
const MODIFYING_KEYS = new Set(['update', 'delete', 'insert', 'replace']);

/** Why a plain `EXPLAIN FORMAT=JSON` document does not show a plain SELECT, or null when it does. Pure. */
export const planAnalyzeProblem = (doc: unknown): string | null => {
  if (doc === null || typeof doc !== 'object' || !('query_block' in doc)) return 'its plan is not a SELECT query block';
  const found: string[] = [];
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      if (MODIFYING_KEYS.has(k.toLowerCase())) found.push(k.toLowerCase());
      walk(x);
    }
  };
  walk(doc);
  return found.length === 0 ? null : `its plan has a data-modifying part (${found.join(', ')})`;
};

/** Why the server's rendering locks rows or calls something ANALYZE must not execute, or null. `loadable` are the UDF names (lowercase). Pure. */
export const callsAnalyzeProblem = (rendered: string, loadable: ReadonlySet<string>): string | null => {
  const locking = renderedLocking(rendered);
  if (locking !== null) return `it is a locking read (${locking.toUpperCase()}), which ANALYZE would execute`;
  for (const c of renderedCalls(rendered)) {
    if (c.quoted) return `it calls the stored function ${c.name}(), which ANALYZE would execute`;
    if (loadable.has(c.name)) return `it calls the loadable function ${c.name}(), which ANALYZE would execute`;
    if (DENIED_MYSQL_FUNCTIONS.has(c.name)) return `it calls ${c.name}(), whose effects a rolled-back transaction does not undo (or which waits)`;
  }
  return null;
};

/** What an ANALYZE measured. */
export interface AnalyzeStats {
  /** Optimization time, ms (MariaDB only; null on MySQL). */
  planning_ms: number | null;
  /** Execution time of the statement, ms. */
  execution_ms: number | null;
  /** Rows read from tables over all loops (before attached conditions). */
  rows_examined: number | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** MariaDB's `ANALYZE FORMAT=JSON`: top query block time, and Σ r_loops × r_rows over every table. Pure. */
export const mariadbAnalyzeStats = (doc: unknown): AnalyzeStats => {
  const d = (doc ?? {}) as { query_optimization?: { r_total_time_ms?: unknown }; query_block?: { r_total_time_ms?: unknown } };
  let rows = 0;
  let tables = 0;
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      const t = x as { r_loops?: unknown; r_rows?: unknown } | null;
      if (k === 'table' && t !== null && typeof t === 'object' && !Array.isArray(t)) {
        const loops = num(t.r_loops);
        const r = num(t.r_rows);
        if (loops !== null && r !== null) {
          rows += loops * r;
          tables++;
        }
      }
      walk(x);
    }
  };
  walk(doc);
  const round = (v: number | null): number | null => (v === null ? null : Math.round(v * 1000) / 1000);
  return { planning_ms: round(num(d.query_optimization?.r_total_time_ms)), execution_ms: round(num(d.query_block?.r_total_time_ms)), rows_examined: tables === 0 ? null : Math.round(rows) };
};

/** A node of MySQL 8's `EXPLAIN ANALYZE` tree that reads a table (its rows count as examined). */
const TABLE_READ = /^\s*-> (?:Table scan|Index scan|Index lookup|Single-row index lookup|Index range scan|Covering index (?:scan|lookup|range scan)|Full-text index search|Index skip scan|Constant row|Multi-range index scan) .*?\bon \S+/;
const ACTUAL = /\(actual time=([\d.]+)\.\.([\d.]+) rows=([\d.e+]+) loops=(\d+)\)/;

/**
 * MySQL 8's `EXPLAIN ANALYZE` (FORMAT=TREE) text: the first node's last-row
 * time × loops as the execution time, and Σ rows × loops over the nodes that
 * read a table. Pure; untested on a real MySQL 8 (see docs/observe.md).
 */
export const mysqlAnalyzeStats = (text: string): AnalyzeStats => {
  const lines = text.split('\n');
  const top = lines.map((l) => ACTUAL.exec(l)).find((m) => m !== null) ?? null;
  let rows = 0;
  let tables = 0;
  for (const l of lines) {
    const m = ACTUAL.exec(l);
    if (m === null || !TABLE_READ.test(l)) continue;
    rows += Number(m[3]) * Number(m[4]);
    tables++;
  }
  const exec = top === null ? null : Math.round(Number(top[2]) * Number(top[4]) * 1000) / 1000;
  return { planning_ms: null, execution_ms: exec, rows_examined: tables === 0 ? null : Math.round(rows) };
};

/** The server's rendering of a statement (Note 1003 after EXPLAIN EXTENDED / EXPLAIN), or null when it left none. */
export const renderedQuery = async (c: mysql.Connection, body: string, values: (string | number)[], mariadb: boolean): Promise<string | null> => {
  await c.execute(`${mariadb ? 'EXPLAIN EXTENDED' : 'EXPLAIN'} ${body}`, values);
  const [w] = await c.query('SHOW WARNINGS');
  const note = (w as { Code?: unknown; Message?: unknown }[]).find((x) => Number(x.Code) === 1003);
  return typeof note?.Message === 'string' ? note.Message : null;
};

/** Loadable function (UDF) names from `mysql.func` (lowercase); empty when it cannot be read. */
export const loadableFunctions = async (c: mysql.Connection): Promise<Set<string>> => {
  try {
    const [r] = await c.query('SELECT name FROM mysql.func');
    return new Set((r as { name: unknown }[]).map((x) => String(x.name).toLowerCase()));
  } catch {
    return new Set();
  }
};
