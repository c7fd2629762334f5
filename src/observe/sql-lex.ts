/**
 * A lexer for one PostgreSQL statement, following the server's own rules
 * (src/backend/parser/scan.l) closely enough to tell names, strings, comments
 * and punctuation apart the way the server does:
 *  - an identifier starts with a letter, `_` or any non-ASCII character and
 *    continues with those, digits and `$` (so `a$$q$` and `é$q$` are single
 *    identifiers, not the start of a dollar quote);
 *  - `"…"` (with `""` inside) and `U&"…"` (with `\XXXX`, `\+XXXXXX` escapes and
 *    an optional `UESCAPE 'c'`) are quoted identifiers, decoded to the name
 *    they stand for;
 *  - `'…'`, `E'…'` (backslash escapes), `B'…'`, `X'…'`, `N'…'`, `U&'…'` and
 *    `$tag$…$tag$` are strings; `$1` is a parameter;
 *  - `--` and nested `/* … *\/` are comments.
 * It assumes `standard_conforming_strings = on` (the default since PostgreSQL
 * 9.1; the EXPLAIN path sets it for its transaction). Pure; throws
 * SqlLexError on anything it cannot read (an unterminated string, a stray `$`).
 */

export type TokenKind = 'space' | 'comment' | 'ident' | 'qident' | 'string' | 'number' | 'param' | 'op' | 'punct';

export interface Token {
  kind: TokenKind;
  /** The token as written. */
  raw: string;
  /** `ident`: the name lowercased; `qident`: the decoded name; others: `raw`. */
  value: string;
}

export class SqlLexError extends Error {}

const IDENT_START = /[A-Za-z_\u0080-\uffff]/;
const IDENT_CONT = /[A-Za-z0-9_$\u0080-\uffff]/;
const OP_CHARS = '+-*/<>=~!@#%^&|`?';
const PUNCT = '()[],;.:';

/** End index of a block comment starting at `i` (nested, as PostgreSQL reads them). */
const blockCommentEnd = (sql: string, i: number): number => {
  let depth = 1;
  let j = i + 2;
  while (j < sql.length && depth > 0) {
    if (sql.startsWith('/*', j)) {
      depth++;
      j += 2;
    } else if (sql.startsWith('*/', j)) {
      depth--;
      j += 2;
    } else j++;
  }
  if (depth > 0) throw new SqlLexError('unterminated comment');
  return j;
};

/** Index after whitespace and comments from `i`. */
const skipBlank = (sql: string, i: number): number => {
  let j = i;
  for (;;) {
    if (/\s/.test(sql[j] ?? '')) j++;
    else if (sql.startsWith('--', j)) {
      const end = sql.indexOf('\n', j);
      j = end === -1 ? sql.length : end + 1;
    } else if (sql.startsWith('/*', j)) j = blockCommentEnd(sql, j);
    else return j;
  }
};

/** End index of a quoted run starting at `i` (the quote char), where a doubled quote continues it. */
const quotedEnd = (sql: string, i: number, quote: string, backslash: boolean): number => {
  let j = i + 1;
  for (;;) {
    if (j >= sql.length) throw new SqlLexError(quote === '"' ? 'unterminated quoted identifier' : 'unterminated string');
    const c = sql[j];
    if (backslash && c === '\\') j += 2;
    else if (c === quote && sql[j + 1] === quote) j += 2;
    else if (c === quote) return j + 1;
    else j++;
  }
};

/** Decodes the body of a `U&"…"` identifier with its escape character. */
const decodeUnicode = (body: string, esc: string): string => {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] ?? '';
    if (c !== esc) {
      out += c;
      continue;
    }
    if (body[i + 1] === esc) {
      out += esc;
      i++;
      continue;
    }
    const m = body[i + 1] === '+' ? /^\+([0-9A-Fa-f]{6})/.exec(body.slice(i + 1)) : /^([0-9A-Fa-f]{4})/.exec(body.slice(i + 1));
    if (m === null || m[1] === undefined) throw new SqlLexError('invalid Unicode escape in a U&"…" identifier');
    out += String.fromCodePoint(parseInt(m[1], 16));
    i += m[0].length;
  }
  return out;
};

/** One token found at an index: its kind, where it ends, and its value when that differs from the raw text. */
interface Scan {
  kind: TokenKind;
  end: number;
  value?: string;
}

/** A `U&'…'` string or `U&"…"` identifier at `i`, with an optional `UESCAPE 'c'` clause. */
const scanUnicode = (sql: string, i: number): Scan => {
  const quote = sql[i + 2] ?? '';
  let j = quotedEnd(sql, i + 2, quote, false);
  const body = sql.slice(i + 3, j - 1).split(quote + quote).join(quote);
  let esc = '\\';
  const k = skipBlank(sql, j);
  const m = /^uescape/i.exec(sql.slice(k));
  if (m !== null) {
    const s = skipBlank(sql, k + m[0].length);
    const e = /^'(.)'/s.exec(sql.slice(s));
    if (e === null || e[1] === undefined) throw new SqlLexError('invalid UESCAPE');
    esc = e[1];
    j = s + e[0].length;
  }
  return quote === '"' ? { kind: 'qident', end: j, value: decodeUnicode(body, esc) } : { kind: 'string', end: j };
};

/** Whitespace, a comment, a string or a quoted identifier at `i`; null when none starts there. */
const scanQuotedOrBlank = (sql: string, i: number): Scan | null => {
  const c = sql[i] ?? '';
  const next = sql[i + 1] ?? '';
  if (/\s/.test(c)) {
    let j = i;
    while (j < sql.length && /\s/.test(sql[j] ?? '')) j++;
    return { kind: 'space', end: j };
  }
  if (c === '-' && next === '-') {
    const end = sql.indexOf('\n', i);
    return { kind: 'comment', end: end === -1 ? sql.length : end + 1 };
  }
  if (c === '/' && next === '*') return { kind: 'comment', end: blockCommentEnd(sql, i) };
  if (c === "'") return { kind: 'string', end: quotedEnd(sql, i, "'", false) };
  if ((c === 'E' || c === 'e') && next === "'") return { kind: 'string', end: quotedEnd(sql, i + 1, "'", true) };
  if (/[BbXxNn]/.test(c) && next === "'") return { kind: 'string', end: quotedEnd(sql, i + 1, "'", false) };
  if ((c === 'U' || c === 'u') && next === '&' && (sql[i + 2] === "'" || sql[i + 2] === '"')) return scanUnicode(sql, i);
  if (c === '"') {
    const j = quotedEnd(sql, i, '"', false);
    return { kind: 'qident', end: j, value: sql.slice(i + 1, j - 1).split('""').join('"') };
  }
  return null;
};

/** A `$n` parameter or a `$tag$…$tag$` string at `i` (which holds a `$`). */
const scanDollar = (sql: string, i: number): Scan => {
  if (/[0-9]/.test(sql[i + 1] ?? '')) {
    let j = i + 1;
    while (j < sql.length && /[0-9]/.test(sql[j] ?? '')) j++;
    if (IDENT_CONT.test(sql[j] ?? '')) throw new SqlLexError(`trailing junk after parameter ${sql.slice(i, j)}`);
    return { kind: 'param', end: j };
  }
  const m = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i));
  if (m === null) throw new SqlLexError('a "$" that starts neither a parameter nor a dollar quote');
  const end = sql.indexOf(m[0], i + m[0].length);
  if (end === -1) throw new SqlLexError('unterminated dollar-quoted string');
  return { kind: 'string', end: end + m[0].length };
};

/** An identifier, parameter, dollar quote, number, operator or punctuation at `i`. */
const scanWordOrSymbol = (sql: string, i: number): Scan => {
  const c = sql[i] ?? '';
  const next = sql[i + 1] ?? '';
  const n = sql.length;
  if (IDENT_START.test(c)) {
    let j = i + 1;
    while (j < n && IDENT_CONT.test(sql[j] ?? '')) j++;
    return { kind: 'ident', end: j, value: sql.slice(i, j).toLowerCase() };
  }
  if (c === '$') return scanDollar(sql, i);
  if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(next))) {
    const m = /^(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?(?:[eE][+-]?[0-9]+)?/.exec(sql.slice(i));
    const j = i + Math.max(1, m?.[0].length ?? 1);
    if (IDENT_CONT.test(sql[j] ?? '')) throw new SqlLexError(`trailing junk after numeric literal ${sql.slice(i, j + 1)}`);
    return { kind: 'number', end: j };
  }
  if (OP_CHARS.includes(c)) {
    let j = i + 1;
    while (j < n && OP_CHARS.includes(sql[j] ?? '') && !sql.startsWith('--', j) && !sql.startsWith('/*', j)) j++;
    return { kind: 'op', end: j };
  }
  if (PUNCT.includes(c)) return { kind: 'punct', end: c === ':' && next === ':' ? i + 2 : i + 1 };
  throw new SqlLexError(`unexpected character ${JSON.stringify(c)}`);
};

/** Splits `sql` into tokens (whitespace and comments included, so the raw texts concatenate back to `sql`). */
export const lexSql = (sql: string): Token[] => {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const t = scanQuotedOrBlank(sql, i) ?? scanWordOrSymbol(sql, i);
    const raw = sql.slice(i, t.end);
    tokens.push({ kind: t.kind, raw, value: t.value ?? raw });
    i = t.end;
  }
  return tokens;
};

/** The tokens that carry meaning (no whitespace or comments). */
export const significant = (tokens: readonly Token[]): Token[] => tokens.filter((t) => t.kind !== 'space' && t.kind !== 'comment');

/**
 * Names called as functions: an identifier (plain or quoted) followed by `(`,
 * lowercased (a conservative match: `"PG_SLEEP"` counts as `pg_sleep`), with
 * its schema when written `schema.name(`.
 */
export const calledNames = (tokens: readonly Token[]): { schema: string | null; name: string }[] => {
  const sig = significant(tokens);
  const out: { schema: string | null; name: string }[] = [];
  sig.forEach((t, k) => {
    if ((t.kind !== 'ident' && t.kind !== 'qident') || sig[k + 1]?.raw !== '(') return;
    const dot = sig[k - 1];
    const schema = dot?.raw === '.' ? sig[k - 2] : undefined;
    out.push({ schema: schema !== undefined && (schema.kind === 'ident' || schema.kind === 'qident') ? schema.value.toLowerCase() : null, name: t.value.toLowerCase() });
  });
  return out;
};
