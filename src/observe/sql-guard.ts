/**
 * The read-only guard: only statements that cannot change anything are ever
 * EXPLAIN ANALYZEd (ANALYZE executes the statement). Strict on purpose: it
 * accepts a single `SELECT …`, `WITH … SELECT …` or parenthesised SELECT, and
 * refuses anything else, including
 *  - more than one statement (a `;` followed by anything but whitespace/comments),
 *  - data-modifying words anywhere outside strings, quoted identifiers and
 *    comments (INSERT, UPDATE, DELETE, MERGE, TRUNCATE), so a
 *    data-modifying CTE is refused, and so is an unquoted column named `update`,
 *  - `SELECT … INTO` (creates a table) and row locks (`FOR UPDATE/SHARE`),
 *  - functions with effects a READ ONLY transaction does not stop (backend
 *    signals, advisory locks that outlive the transaction, dblink, config reloads,
 *    sequences).
 * Pure. The caller also runs the statement in a READ ONLY transaction that is
 * rolled back (explain.ts): the guard is the first wall, not the only one.
 */

export type GuardResult = { ok: true } | { ok: false; reason: string };

/**
 * Words that change data: refused anywhere in the statement. (DDL and utility
 * words cannot appear inside one SELECT/WITH statement, and a second statement
 * is refused already, so common column names like `comment` stay allowed.)
 */
const FORBIDDEN_WORDS = new Set(['insert', 'update', 'delete', 'merge', 'into', 'truncate']);

/** Functions refused by name prefix (their effects survive a rolled-back READ ONLY transaction). */
const FORBIDDEN_FUNCTIONS = [
  'pg_terminate_backend', 'pg_cancel_backend', 'pg_reload_conf', 'pg_rotate_logfile', 'pg_switch_wal',
  'pg_create_restore_point', 'pg_promote', 'pg_advisory', 'pg_try_advisory', 'pg_notify', 'dblink', 'lo_',
  'pg_file_', 'pg_read_', 'pg_logical_emit', 'pg_replication', 'pg_stat_reset', 'pg_stat_statements_reset',
  'set_config', 'txid_current', 'pg_current_xact_id', 'nextval', 'setval',
];

/**
 * Strips comments, string literals (standard, E'', dollar-quoted) and quoted
 * identifiers, replacing each with a space (strings with `''` so a literal
 * stays a token). Throws on an unterminated one. With `keepIdentifiers`, quoted
 * identifiers are kept as written (for comparing statements).
 */
export const stripSql = (sql: string, keepIdentifiers = false): string => {
  let out = '';
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i] ?? '';
    const next = sql[i + 1] ?? '';
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? n : end + 1;
      out += ' ';
    } else if (c === '/' && next === '*') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] === '/' && sql[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          depth--;
          i += 2;
        } else i++;
      }
      if (depth > 0) throw new Error('unterminated comment');
      out += ' ';
    } else if (c === "'" || ((c === 'e' || c === 'E') && next === "'" && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? ''))) {
      const backslash = c !== "'";
      i += backslash ? 2 : 1;
      for (;;) {
        if (i >= n) throw new Error('unterminated string');
        const d = sql[i];
        if (backslash && d === '\\') i += 2;
        else if (d === "'" && sql[i + 1] === "'") i += 2;
        else if (d === "'") {
          i++;
          break;
        } else i++;
      }
      out += " '' ";
    } else if (c === '"') {
      const end = sql.indexOf('"', i + 1);
      if (end === -1) throw new Error('unterminated quoted identifier');
      // A doubled "" inside an identifier continues it.
      let j = end;
      while (sql[j + 1] === '"') {
        const k = sql.indexOf('"', j + 2);
        if (k === -1) throw new Error('unterminated quoted identifier');
        j = k;
      }
      out += keepIdentifiers ? sql.slice(i, j + 1) : ' "x" ';
      i = j + 1;
    } else if (c === '$' && /[A-Za-z_$]/.test(next) && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? '')) {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (m) {
        const tag = m[0];
        const end = sql.indexOf(tag, i + tag.length);
        if (end === -1) throw new Error('unterminated dollar-quoted string');
        i = end + tag.length;
        out += " '' ";
      } else {
        out += c;
        i++;
      }
    } else {
      out += c;
      i++;
    }
  }
  return out;
};

/** Decides whether `sql` may be EXPLAIN ANALYZEd. */
export const checkReadOnly = (sql: string): GuardResult => {
  let text: string;
  try {
    text = stripSql(sql);
  } catch (e) {
    return { ok: false, reason: `cannot read the statement: ${(e as Error).message}` };
  }
  const body = text.trim().replace(/;\s*$/, '');
  if (body.includes(';')) return { ok: false, reason: 'more than one statement' };
  const words = (body.toLowerCase().match(/[a-z_][a-z0-9_$]*/g) ?? []);
  const first = /^[\s(]*([a-z]+)/i.exec(body)?.[1]?.toLowerCase();
  if (first !== 'select' && first !== 'with') return { ok: false, reason: `only SELECT and WITH … SELECT are EXPLAIN ANALYZEd, not ${first?.toUpperCase() ?? 'an empty statement'}` };
  const bad = words.find((w) => FORBIDDEN_WORDS.has(w));
  if (bad !== undefined) return { ok: false, reason: `it contains ${bad.toUpperCase()}, which may change data` };
  const lower = body.toLowerCase();
  if (/\bfor\s+(no\s+key\s+)?(update|share|key\s+share)\b/.test(lower)) return { ok: false, reason: 'it takes row locks (FOR UPDATE/SHARE)' };
  const fn = FORBIDDEN_FUNCTIONS.find((f) => new RegExp(`\\b${f}[a-z0-9_]*\\s*\\(`).test(lower));
  if (fn !== undefined) return { ok: false, reason: `it calls ${fn}…(), whose effects a read-only transaction does not stop` };
  if (first === 'with' && !/\bselect\b/.test(lower)) return { ok: false, reason: 'WITH without a SELECT' };
  return { ok: true };
};
