/** Number formats for break summaries and renderings (people read these; report.json keeps raw numbers). */
import { formatLatencyMs } from '../core/duration.js';

/** `0.84 ms`, `41 ms`, `2.10 s`, `-` for null. */
export const fmtMs = (ms: number | null | undefined): string => formatLatencyMs(ms ?? null);

/** `380 rps`, `12.5 rps`. */
export const fmtRps = (rps: number | null | undefined): string =>
  rps === null || rps === undefined ? '-' : `${rps >= 100 ? Math.round(rps) : +rps.toFixed(1)} rps`;

/** `45 s`, `2m05s` style offsets into the run. */
export const fmtS = (s: number | null | undefined): string => {
  if (s === null || s === undefined) return '-';
  if (s < 120) return `${+s.toFixed(s < 10 && s % 1 !== 0 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - m * 60)).padStart(2, '0')}s`;
};

/** `4.2%` from a fraction. */
export const fmtPct = (fraction: number | null | undefined): string =>
  fraction === null || fraction === undefined ? '-' : `${+(fraction * 100).toFixed(fraction < 0.01 ? 2 : 1)}%`;

/** `8.1x`. */
export const fmtX = (ratio: number | null | undefined): string =>
  ratio === null || ratio === undefined || !Number.isFinite(ratio) ? '-' : `${ratio >= 10 ? Math.round(ratio) : +ratio.toFixed(1)}x`;

/** `1.2M`, `45k`, `812` rows. */
export const fmtCount = (n: number | null | undefined): string => {
  if (n === null || n === undefined) return '?';
  if (n >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${Math.round(n / 1e3)}k`;
  return String(n);
};

/** Rounding for JSON (3 decimals; a rate 2), from core/round.ts. */
export { r2, r3 } from '../core/round.js';
