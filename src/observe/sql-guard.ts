/**
 * The text guard: a fast first filter with a clear message, run before
 * anything is sent to the database. It accepts a single `SELECT …`,
 * `WITH … SELECT …` or parenthesised SELECT, and refuses anything else,
 * including
 *  - more than one statement (a `;` followed by anything but whitespace/comments),
 *  - data-modifying words anywhere outside strings, quoted identifiers and
 *    comments (INSERT, UPDATE, DELETE, MERGE, TRUNCATE), so a
 *    data-modifying CTE is refused, and so is an unquoted column named `update`,
 *  - `SELECT … INTO` (creates a table) and row locks (`FOR UPDATE/SHARE`),
 *  - calls, under any spelling (plain, `"quoted"`, `U&"\0070g_…"`), of
 *    functions with effects a READ ONLY transaction does not stop
 *    (DENIED_FUNCTIONS).
 * It reads the statement with the server's lexing rules (sql-lex.ts). Pure.
 * The read-only promise does not rest on it: the database-side checks of
 * explain.ts (extended protocol, rolled-back READ ONLY transaction, the plan's
 * nodes and functions checked against pg_proc) do.
 */
import { calledNames, lexSql, significant, type Token } from './sql-lex.js';

export type GuardResult = { ok: true } | { ok: false; reason: string };

/**
 * Words that change data: refused anywhere in the statement. (DDL and utility
 * words cannot appear inside one SELECT/WITH statement, and a second statement
 * is refused already, so common column names like `comment` stay allowed.)
 */
const FORBIDDEN_WORDS = new Set(['insert', 'update', 'delete', 'merge', 'into', 'truncate']);

/**
 * Functions refused by name prefix, by the text guard and again on the plan
 * (even where pg_proc calls them stable or immutable): their effects survive
 * a rolled-back READ ONLY transaction (backend signals, advisory locks,
 * sequences, notifications, settings, files, large objects, other
 * connections, statistics resets, WAL and replication control), they take
 * transaction ids, sleep, or dump whole tables or databases.
 */
export const DENIED_FUNCTIONS = [
  'pg_terminate_backend', 'pg_cancel_backend', 'pg_reload_conf', 'pg_rotate_logfile', 'pg_switch_wal',
  'pg_create_', 'pg_drop_', 'pg_copy_', 'pg_promote', 'pg_advisory', 'pg_try_advisory', 'pg_notify', 'dblink', 'lo_',
  'pg_file_', 'pg_read_', 'pg_ls_', 'pg_logical_', 'pg_replication', 'pg_stat_reset', 'pg_stat_statements_reset',
  'set_config', 'txid_current', 'pg_current_xact_id', 'nextval', 'setval', 'currval', 'lastval', 'pg_sleep',
  'pg_log_', 'pg_backup_', 'pg_start_backup', 'pg_stop_backup', 'pg_wal_replay', 'pg_export_snapshot',
  'pg_import_system_collations', 'query_to_xml', 'cursor_to_xml', 'table_to_xml', 'schema_to_xml', 'database_to_xml', 'ts_stat',
];

/** The denied prefix a function name starts with, or null (names compare lowercased). */
export const deniedFunction = (name: string): string | null => DENIED_FUNCTIONS.find((f) => name.toLowerCase().startsWith(f)) ?? null;

/**
 * Strips comments, string literals (standard, E'', dollar-quoted, …) and
 * quoted identifiers, replacing each with a space (strings with `''` so a
 * literal stays a token). Throws on an unterminated one. With
 * `keepIdentifiers`, quoted identifiers are kept as written (for comparing
 * statements).
 */
export const stripSql = (sql: string, keepIdentifiers = false): string =>
  lexSql(sql)
    .map((t) => {
      if (t.kind === 'comment') return ' ';
      if (t.kind === 'string') return " '' ";
      if (t.kind === 'qident') return keepIdentifiers ? t.raw : ' "x" ';
      return t.raw;
    })
    .join('');

const isWord = (t: Token | undefined, ...words: string[]): boolean => t?.kind === 'ident' && words.includes(t.value);

/** Decides whether `sql` passes the text guard. */
export const checkReadOnly = (sql: string): GuardResult => {
  let tokens: Token[];
  try {
    tokens = lexSql(sql);
  } catch (e) {
    return { ok: false, reason: `cannot read the statement: ${(e as Error).message}` };
  }
  const sig = significant(tokens);
  while (sig[sig.length - 1]?.raw === ';') sig.pop();
  if (sig.some((t) => t.raw === ';')) return { ok: false, reason: 'more than one statement' };
  const first = sig.find((t) => t.raw !== '(');
  if (!isWord(first, 'select', 'with')) {
    return { ok: false, reason: `only SELECT and WITH … SELECT are EXPLAINed, not ${first === undefined ? 'an empty statement' : first.raw.toUpperCase()}` };
  }
  const bad = sig.find((t) => t.kind === 'ident' && FORBIDDEN_WORDS.has(t.value));
  if (bad !== undefined) return { ok: false, reason: `it contains ${bad.value.toUpperCase()}, which may change data` };
  const locks = sig.findIndex((t, k) => isWord(t, 'for') && (isWord(sig[k + 1], 'share', 'no') || (isWord(sig[k + 1], 'key') && isWord(sig[k + 2], 'share'))));
  if (locks !== -1) return { ok: false, reason: 'it takes row locks (FOR UPDATE/SHARE)' };
  for (const { name } of calledNames(tokens)) {
    const fn = deniedFunction(name);
    if (fn !== null) return { ok: false, reason: `it calls ${name}(), whose effects a read-only transaction does not stop` };
  }
  if (isWord(first, 'with') && !sig.some((t) => isWord(t, 'select'))) return { ok: false, reason: 'WITH without a SELECT' };
  return { ok: true };
};
