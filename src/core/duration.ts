/**
 * Durations in files and flags: `500ms`, `30s`, `5m`, `1h`, `1h30m`, or a bare
 * number of seconds. Parsed to milliseconds.
 */

import { inputError } from './errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;

/**
 * Parses a duration to milliseconds. Returns null when the text is not a
 * duration (the caller reports where). Numbers (and numeric strings) are seconds.
 */
export const parseDurationMs = (value: unknown): number | null => {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : null;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (text === '') return null;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  let totalMs = 0;
  PART.lastIndex = 0;
  let pos = 0;
  while (pos < text.length) {
    PART.lastIndex = pos;
    const m = PART.exec(text);
    if (m === null) return null;
    totalMs += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? NaN);
    pos = PART.lastIndex;
  }
  return Number.isFinite(totalMs) ? totalMs : null;
};

/**
 * Formats milliseconds compactly for people (how long something took or will
 * take): `850ms`, `12.5s`, `3m20s`, `1h05m`, `3d 11h`.
 */
export const formatDurationMs = (ms: number): string => {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)}s`;
  const totalS = Math.round(ms / 1000);
  if (totalS < 3600) return `${Math.floor(totalS / 60)}m${String(totalS % 60).padStart(2, '0')}s`;
  if (totalS < 86_400) return `${Math.floor(totalS / 3600)}h${String(Math.floor((totalS % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(totalS / 86_400)}d ${Math.floor((totalS % 86_400) / 3600)}h`;
};

/**
 * Whole milliseconds (rounded) as a duration files and flags accept, exactly
 * (parseDurationMs reads it back): hours, minutes, seconds and milliseconds,
 * each only when not zero: `0s`, `850ms`, `45s`, `2m`, `1h30m`,
 * `1m30s500ms`, `48h`. Also Go's duration syntax, so the k6 script takes it
 * as is (`formatK6Duration` is this function).
 */
export const formatExactDurationMs = (ms: number): string => {
  const total = Math.round(ms);
  if (total === 0) return '0s';
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const s = Math.floor((total % 60_000) / 1000);
  const rest = total % 1000;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}${rest ? `${rest}ms` : ''}`;
};

/** A latency in milliseconds for tables and sentences: `0.84 ms`, `41 ms`, `2.10 s`, `12.5 s`; `-` for null. */
export const fmtMs = (ms: number | null | undefined): string => {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
};

/** An offset into a run, in seconds: `4.5 s`, `45 s`, `2m05s`; `-` for null. */
export const fmtS = (s: number | null | undefined): string => {
  if (s === null || s === undefined) return '-';
  if (s < 120) return `${+s.toFixed(s < 10 && s % 1 !== 0 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - m * 60)).padStart(2, '0')}s`;
};

/** Longest duration a flag accepts: 30 days, in ms (no run means more). */
export const MAX_FLAG_DURATION_MS = 30 * 86_400_000;

/**
 * A duration flag (`--grace 5s`) in ms: > 0 (>= 0 with `zeroOk`) and at most
 * MAX_FLAG_DURATION_MS. Anything else throws an InputError naming the flag,
 * saying so when the value is negative.
 */
export const durationFlagMs = (flag: string, value: unknown, opts: { zeroOk?: boolean } = {}): number => {
  const text = typeof value === 'string' ? value.trim() : value;
  if ((typeof text === 'string' && text.startsWith('-')) || (typeof text === 'number' && text < 0)) {
    throw inputError(flag, `a duration cannot be negative, got ${JSON.stringify(value)}`, { hint: 'e.g. 500ms, 30s, 5m or 1h' });
  }
  const ms = parseDurationMs(text);
  if (ms === null || (opts.zeroOk ? ms < 0 : ms <= 0)) throw inputError(flag, `expected a duration such as ${opts.zeroOk ? '0, ' : ''}500ms, 30s, 5m or 1h, got ${JSON.stringify(value)}`);
  if (ms > MAX_FLAG_DURATION_MS) throw inputError(flag, `expected a duration of at most 30 days, got ${JSON.stringify(value)}`);
  return ms;
};
