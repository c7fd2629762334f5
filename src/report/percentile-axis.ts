/**
 * The x axis of an HDR percentile plot (latency against percentile, as
 * HdrHistogram's plotter draws it): a percentile p sits at 1/(1 − p/100) on a
 * log axis, so each "nine" gets the same width: 0% at 1, 90% at 10, 99% at
 * 100, 99.9% at 1000. Pure; report.html's script receives the positions and
 * tick labels ready-made.
 */

/** Position of percentile `p` (0 ≤ p < 100, percent) on the log axis: 1/(1 − p/100); 100 and above give Infinity. */
export const percentileToX = (p: number): number => (p >= 100 ? Infinity : 1 / (1 - p / 100));

/** The percentile (percent) at axis position `x` ≥ 1: the inverse of percentileToX. */
export const xToPercentile = (x: number): number => 100 * (1 - 1 / x);

/**
 * A percentile as text with enough decimals to tell it from its neighbours on
 * the log axis (two significant digits of 100 − p, trailing zeros dropped):
 * 0%, 68%, 90%, 99%, 99.37%, 99.99%.
 */
export const formatPercentile = (p: number): string => {
  const tail = 100 - p;
  if (tail >= 10 || p <= 0) return `${Math.round(p)}%`;
  const decimals = Math.min(8, Math.max(0, Math.ceil(-Math.log10(tail)) + 1));
  return `${Number(p.toFixed(decimals))}%`;
};

/** One labelled tick of the percentile axis. */
export interface PercentileTick { x: number; label: string }

/**
 * Ticks at each power of ten from 1 up to the first one at or past `maxX`
 * (at least 90%, x = 10): 0%, 90%, 99%, 99.9%, 99.99%, …; the last tick is
 * where the axis ends.
 */
export const percentileTicks = (maxX: number): PercentileTick[] => {
  const decades = Math.max(1, Math.ceil(Math.log10(Math.max(1, maxX)) - 1e-9));
  return Array.from({ length: decades + 1 }, (_, k) => ({ x: 10 ** k, label: `${(100 - 100 / 10 ** k).toFixed(Math.max(0, k - 2))}%` }));
};
