/**
 * The pieces of a request every format shares: the request line
 * (`GET /path?q HTTP/1.1`), the target (absolute-form URLs reduced to their
 * path), status and byte counts. A parse outcome is a record, a line that
 * parsed but names no replayable request (`skip`), or a malformed line (`bad`).
 */
import type { LogRecord } from './types.js';

/** What a parser makes of one line. */
export type ParseOutcome =
  | { kind: 'record'; record: LogRecord }
  | { kind: 'skip'; reason: string }
  | { kind: 'bad'; reason: string };

export const bad = (reason: string): ParseOutcome => ({ kind: 'bad', reason });
export const skip = (reason: string): ParseOutcome => ({ kind: 'skip', reason });

const METHOD = /^[A-Z][A-Z_-]{0,19}$/;

/**
 * Reduces a logged target to path and query: `http://host:8080/a?b` → `/a?b`.
 * Returns a skip reason instead when it cannot be replayed.
 */
export const normalizeTarget = (target: string): { target: string } | { skip: string } => {
  if (target.startsWith('/')) return { target };
  if (target === '*') return { skip: 'asterisk target' };
  const scheme = target.indexOf('://');
  if (scheme > 0 && scheme < 10) {
    const slash = target.indexOf('/', scheme + 3);
    const q = target.indexOf('?', scheme + 3);
    if (slash < 0) return { target: q < 0 ? '/' : `/${target.slice(q)}` };
    return { target: q >= 0 && q < slash ? `/${target.slice(q)}` : target.slice(slash) };
  }
  return { skip: 'bad request line' };
};

/**
 * Splits `METHOD target [HTTP/x.y]`. `-` or an empty line (Apache and nginx log
 * a 400/408 that never sent a request this way) and lines whose first word is
 * not a method (TLS bytes on a plain port) are skips, not malformed lines.
 */
export const splitRequestLine = (request: string): { method: string; target: string } | { skip: string } => {
  const r = request.trim();
  if (r === '' || r === '-') return { skip: 'no request line' };
  const sp = r.indexOf(' ');
  if (sp < 0) return { skip: 'bad request line' };
  const method = r.slice(0, sp);
  if (!METHOD.test(method)) return { skip: 'bad request line' };
  let end = r.length;
  const proto = r.lastIndexOf(' HTTP/');
  if (proto > sp) end = proto;
  const t = normalizeTarget(r.slice(sp + 1, end).trim());
  return 'skip' in t ? t : { method, target: t.target };
};

/** A status code field: three digits, or null for `-`/empty. NaN when it is something else. */
export const parseStatus = (v: unknown): number | null => {
  if (v === null || v === undefined || v === '' || v === '-') return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isInteger(n) && n >= 100 && n <= 999 ? n : NaN;
};

/** A byte count: a whole number, or null for `-`/empty. NaN when it is something else. */
export const parseBytes = (v: unknown): number | null => {
  if (v === null || v === undefined || v === '' || v === '-') return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isInteger(n) && n >= 0 ? n : NaN;
};
