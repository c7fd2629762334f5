/**
 * Rounding of numbers written to files (run directories, report.json, fitted
 * profiles): a fixed number of decimals, or of significant digits.
 */

/** Rounds to 3 decimals (µs for a value in ms, ms for one in s). */
export const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Rounds to 3 decimals for JSON; null for null, undefined, NaN and ±Infinity. */
export const r3 = (x: number | null | undefined): number | null =>
  x === null || x === undefined || !Number.isFinite(x) ? null : round3(x);

/** Rounds a rate to 2 decimals for JSON; null for null, undefined, NaN and ±Infinity. */
export const r2 = (x: number | null | undefined): number | null =>
  x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 100) / 100;

/** Rounds to `digits` significant digits; 0, NaN and ±Infinity are returned as they are. */
export const roundSig = (x: number, digits = 4): number => {
  if (x === 0 || !Number.isFinite(x)) return x;
  const p = Math.pow(10, digits - Math.ceil(Math.log10(Math.abs(x))));
  return Math.round(x * p) / p;
};
