/**
 * Series for report.html's charts beyond the per-second timeline, folded from
 * the run's series (series.ts) and kept in report.json so that `prodshape
 * report DIR` and any other reader see the same numbers: errors per second by
 * error class. Pure.
 */
import { ERROR_CLASSES, type ErrorClass } from '../run/format.js';
import type { Series } from './series.js';

/**
 * Errors per second by error class (report.json `error_timeline`): one column
 * per class that occurred at all, in ERROR_CLASSES order (`4xx` and `5xx` are
 * the HTTP status classes), indexed by second like `timeline`. Empty when no
 * request failed.
 */
export const buildErrorTimeline = (s: Series): Partial<Record<ErrorClass, number[]>> => {
  const out: Partial<Record<ErrorClass, number[]>> = {};
  for (const cls of ERROR_CLASSES) {
    const col = s.errorsByClass.map((c) => c[cls] ?? 0);
    if (col.some((n) => n > 0)) out[cls] = col;
  }
  return out;
};
