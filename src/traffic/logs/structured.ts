/**
 * Records from structured logs (nginx JSON lines, CSV): each field is found
 * under the key the mapping gives, or else under its usual names (nginx
 * variables, ECS, common exports). A record needs a time and a path (or a
 * `request` line); without any method field the method is GET.
 */
import { bad, normalizeTarget, parseBytes, parseStatus, skip, splitRequestLine, type ParseOutcome } from './request-line.js';
import { parseAnyTime, type ZoneOffset } from './time.js';
import type { FieldMapping, LogField } from './types.js';

/** Usual names of each field, tried in order when the mapping does not name one. */
export const DEFAULT_FIELD_NAMES: Record<LogField, readonly string[]> = {
  time: ['time_iso8601', 'time_local', '@timestamp', 'timestamp', 'time', 'msec', 'ts', 'date', 'datetime'],
  method: ['request_method', 'method', 'verb', 'http_method', 'http.request.method'],
  path: ['request_uri', 'uri', 'path', 'url', 'request_path', 'url.original', 'url.path'],
  query: ['args', 'query_string', 'query', 'url.query'],
  request: ['request'],
  status: ['status', 'status_code', 'response_status', 'code', 'http.response.status_code'],
  bytes: ['body_bytes_sent', 'bytes_sent', 'bytes', 'size', 'response_size', 'http.response.body.bytes'],
};

/** Reads a field by key: dotted keys walk nested objects when the flat key is absent. */
export const getField = (rec: Record<string, unknown>, key: string): unknown => {
  const flat = rec[key];
  if (flat !== undefined || !key.includes('.')) return flat;
  let cur: unknown = rec;
  for (const part of key.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
};

const present = (v: unknown): boolean => v !== undefined && v !== null && v !== '' && v !== '-';

/** Reads one field of a structured row. */
export type FieldPicker = (rec: Record<string, unknown>, field: LogField) => unknown;

/**
 * A field reader for one log: a mapped field is read under its key; an
 * unmapped one under its usual names, trying first the name that matched last
 * time (rows of one log share their keys, so the search runs once).
 */
export const createFieldPicker = (mapping: FieldMapping): FieldPicker => {
  const hit: Partial<Record<LogField, string>> = {};
  return (rec, field) => {
    const key = mapping[field];
    if (key !== undefined) return getField(rec, key);
    const last = hit[field];
    if (last !== undefined) {
      const v = getField(rec, last);
      if (present(v)) return v;
    }
    let fallback: unknown;
    for (const k of DEFAULT_FIELD_NAMES[field]) {
      const v = getField(rec, k);
      if (present(v)) {
        hit[field] = k;
        return v;
      }
      if (fallback === undefined) fallback = v;
    }
    return fallback;
  };
};

/** Builds a record from a structured row (a JSON object, or a CSV row keyed by column name or index). */
export const recordFromFields = (rec: Record<string, unknown>, pick: FieldPicker, zone: ZoneOffset, line: number): ParseOutcome => {
  const timeRaw = pick(rec, 'time');
  if (!present(timeRaw)) return bad(`no time field (${DEFAULT_FIELD_NAMES.time.slice(0, 4).join(', ')}… or the one --fields names)`);
  const time = parseAnyTime(timeRaw, zone);
  if (time === null) return bad(`unreadable time ${JSON.stringify(timeRaw)}`);
  const status = parseStatus(pick(rec, 'status'));
  const bytes = parseBytes(pick(rec, 'bytes'));
  if (Number.isNaN(status)) return bad(`bad status ${JSON.stringify(pick(rec, 'status'))}`);
  let method: string;
  let target: string;
  const pathRaw = pick(rec, 'path');
  if (present(pathRaw)) {
    const methodRaw = pick(rec, 'method');
    method = typeof methodRaw === 'string' && methodRaw !== '' ? methodRaw.trim().toUpperCase() : 'GET';
    if (typeof pathRaw !== 'string') return bad(`bad path ${JSON.stringify(pathRaw)}`);
    let path = pathRaw.trim();
    const q = pick(rec, 'query');
    if (typeof q === 'string' && q !== '' && q !== '-' && !path.includes('?')) path = `${path}?${q.replace(/^\?/, '')}`;
    const t = normalizeTarget(path);
    if ('skip' in t) return skip(t.skip);
    target = t.target;
  } else {
    const request = pick(rec, 'request');
    if (typeof request !== 'string') return bad('no path or request field');
    const r = splitRequestLine(request);
    if ('skip' in r) return skip(r.skip);
    ({ method, target } = r);
  }
  return {
    kind: 'record',
    record: { timeMs: time.timeMs, offsetMin: time.offsetMin, method, target, status, bytes: Number.isNaN(bytes) ? null : bytes, line },
  };
};

/** nginx's default `escape=default` writes `\x22` for a quote: not JSON until rewritten as `\u0022`. */
const fixNginxEscapes = (text: string): string => text.replace(/\\x([0-9A-Fa-f]{2})/g, '\\u00$1');

/** Parses one nginx JSON log line. */
export const parseJsonLine = (text: string, pick: FieldPicker, zone: ZoneOffset, line: number): ParseOutcome => {
  let rec: unknown;
  try {
    rec = JSON.parse(text);
  } catch {
    // Not JSON as written: nginx's default escaping is the usual reason; one retry with it rewritten.
    try {
      rec = JSON.parse(fixNginxEscapes(text));
    } catch (e) {
      return bad(`invalid JSON (${(e as Error).message.slice(0, 60)})`);
    }
  }
  if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) return bad('not a JSON object');
  return recordFromFields(rec as Record<string, unknown>, pick, zone, line);
};
