/**
 * The PostgreSQL server log (stderr format, `observe.postgres.log`): the
 * `log_min_duration_statement` entries (`duration: … ms  statement: …` and
 * `execute <name>: …` with their `DETAIL:  parameters:` line) and the
 * `auto_explain` entries in JSON format (`duration: … ms  plan:` followed by
 * the JSON on tab-indented continuation lines), attributed to the run's
 * seconds by the line's timestamp (`log_line_prefix` with `%m` or `%t`, time
 * zone UTC/GMT or a numeric offset), else by the time the line was read.
 *
 * The parser is pure and incremental (`createLogParser`): feed it text as it
 * arrives, it returns whole entries; the tailer reads the file's new bytes
 * each second from the size it had when the run started.
 */
import { open, stat } from 'node:fs/promises';
import { redact } from '../core/secrets.js';
import type { LogRecord } from './files.js';
import { summarisePlan } from './fingerprint.js';

/** A log entry: its first line's timestamp (epoch ms, or null) and message with continuation lines. */
interface RawEntry {
  atMs: number | null;
  level: string;
  message: string;
  detail: string | null;
}

const HEADER = /^(?:(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?)(?: ([A-Za-z]{1,6}|[+-]\d\d(?::?\d\d)?))?\b)?.*?\b(LOG|DETAIL|STATEMENT|ERROR|WARNING|NOTICE|INFO|HINT|CONTEXT|FATAL|PANIC|DEBUG\d?):\s\s(.*)$/;

/** Epoch ms of a log timestamp with its zone, or null when the zone is not UTC/GMT/numeric. */
export const parseLogTime = (stamp: string, zone: string | undefined): number | null => {
  let offset: string;
  if (zone === undefined || /^(UTC|GMT|Z)$/i.test(zone)) offset = 'Z';
  else if (/^[+-]\d\d(:?\d\d)?$/.test(zone)) offset = zone.length === 3 ? `${zone}:00` : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  else return null;
  const ms = Date.parse(`${stamp.replace(' ', 'T')}${offset}`);
  return Number.isNaN(ms) ? null : ms;
};

/** Turns one raw entry into a LogRecord, or null when it is not a duration/auto_explain entry. */
export const entryToRecord = (e: RawEntry, startedAtMs: number, readAtS: number): LogRecord | null => {
  if (e.level !== 'LOG') return null;
  const m = /^duration: ([\d.]+) ms\s+(statement|execute [^:]*|plan):\s?([\s\S]*)$/.exec(e.message);
  if (!m) return null;
  const durationMs = Number(m[1]);
  // Entries from just before time zero (the observer starts first) count as second 0.
  const t_s = Math.max(0, e.atMs === null ? readAtS : Math.round(e.atMs - startedAtMs) / 1000);
  const base = { t_s, timestamped: e.atMs !== null, duration_ms: durationMs };
  if (m[2] === 'plan') {
    let json: unknown = null;
    try {
      json = JSON.parse(m[3] ?? '');
    } catch {
      // auto_explain in TEXT format: keep the entry without a fingerprint.
      json = null;
    }
    const s = json === null ? null : summarisePlan(json);
    const queryText = (json as { 'Query Text'?: unknown } | null)?.['Query Text'];
    return {
      ...base, kind: 'auto_explain', statement: typeof queryText === 'string' ? redact(queryText) : null, parameters: null,
      fingerprint: s?.fingerprint ?? null, shape: s?.shape ?? null,
    };
  }
  const params = e.detail !== null && e.detail.startsWith('parameters: ') ? redact(e.detail.slice('parameters: '.length)) : null;
  return { ...base, kind: 'duration', statement: redact((m[3] ?? '').trim()), parameters: params, fingerprint: null, shape: null };
};

/** An incremental parser: `push(text)` returns the entries completed so far; `flush()` the last one. */
export interface LogParser {
  push(text: string, readAtS: number): LogRecord[];
  flush(readAtS: number): LogRecord[];
}

/** `startedAtMs` is read when each entry completes: the engine fixes time zero only after the observers started. */
export const createLogParser = (startedAtMs: () => number): LogParser => {
  let partial = '';
  let current: RawEntry | null = null;
  const finish = (readAtS: number): LogRecord[] => {
    const e = current;
    current = null;
    const r = e === null ? null : entryToRecord(e, startedAtMs(), readAtS);
    return r === null ? [] : [r];
  };
  const line = (text: string, readAtS: number): LogRecord[] => {
    if (text.startsWith('\t') && current !== null) {
      current.message += `\n${text.slice(1)}`;
      return [];
    }
    const m = HEADER.exec(text);
    if (!m) return [];
    const level = m[3] ?? '';
    if (level === 'DETAIL' && current !== null) {
      current.detail = m[4] ?? '';
      return [];
    }
    if (level === 'STATEMENT' || level === 'CONTEXT' || level === 'HINT') return [];
    const out = finish(readAtS);
    current = { atMs: m[1] === undefined ? null : parseLogTime(m[1], m[2]), level, message: m[4] ?? '', detail: null };
    return out;
  };
  return {
    push(text, readAtS) {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      return lines.flatMap((l) => line(l.replace(/\r$/, ''), readAtS));
    },
    flush(readAtS) {
      const out = partial === '' ? [] : line(partial, readAtS);
      partial = '';
      return [...out, ...finish(readAtS)];
    },
  };
};

/**
 * Reads a file's whole new lines from `offset` (a file that shrank, rotated
 * or truncated, is read from 0); a line still being written waits for the next read.
 */
export const readNewBytes = async (file: string, offset: number): Promise<{ text: string; offset: number }> => {
  const size = (await stat(file)).size;
  const from = size < offset ? 0 : offset;
  if (size === from) return { text: '', offset: from };
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(size - from);
    const { bytesRead } = await fh.read(buf, 0, buf.length, from);
    const end = buf.subarray(0, bytesRead).lastIndexOf(0x0a) + 1;
    return { text: buf.subarray(0, end).toString('utf8'), offset: from + end };
  } finally {
    await fh.close();
  }
};
