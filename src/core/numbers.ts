/**
 * Numbers for people (terminal, report.html, log lines, sentences in
 * report.json); files keep raw numbers (rounding for files is round.ts).
 */

/** Thousands separators, rounded to a whole number: `12,345`. */
export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');

/**
 * A fraction as a percent: `4.2%`, `0.35%` (two decimals under 1%), or with
 * `decimals` fixed decimals at most (`0.001%` with 3); `-` for null.
 */
export const fmtPct = (fraction: number | null | undefined, decimals?: number): string =>
  fraction === null || fraction === undefined ? '-' : `${+(fraction * 100).toFixed(decimals ?? (fraction < 0.01 ? 2 : 1))}%`;

/** `380 rps`, `12.5 rps`; `-` for null. */
export const fmtRps = (rps: number | null | undefined): string =>
  rps === null || rps === undefined ? '-' : `${rps >= 100 ? Math.round(rps) : +rps.toFixed(1)} rps`;

/** A ratio: `8.1x`, `12x`; `-` for null or not finite. */
export const fmtX = (ratio: number | null | undefined): string =>
  ratio === null || ratio === undefined || !Number.isFinite(ratio) ? '-' : `${ratio >= 10 ? Math.round(ratio) : +ratio.toFixed(1)}x`;

/**
 * A count in few characters: `1.2M`, `45k`, `812`; `?` for null. For a
 * count that changes on a line that redraws (a progress rate), fmtCountFixed.
 */
export const fmtCount = (n: number | null | undefined): string => {
  if (n === null || n === undefined) return '?';
  if (n >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${Math.round(n / 1e3)}k`;
  return String(n);
};

/**
 * A count or rate on a line that redraws (generate's progress): fixed decimals
 * per magnitude, so the width holds still while the number changes: `812`,
 * `500.0k`, `1.25M`. (fmtCount drops trailing zeros: `500k`.)
 */
export const fmtCountFixed = (n: number): string =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : `${Math.round(n)}`;

/**
 * A plotted value without its unit, about three significant digits: `833`,
 * `41.2`, `2.35`, `-0.50`. The report page's chart legends for units other
 * than ms and rps (which take fmtMs and fmtRps); the page runs a copy
 * generated from this source (src/report/html-client.ts).
 */
export const fmtPlotted = (v: number): string => {
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
};
