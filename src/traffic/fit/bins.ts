/**
 * Request counts over time, in dense bins of `resolutionS` seconds (1 s to
 * start). The array grows in both directions as times arrive in any order,
 * and coarsens (1 s → 1 min → 1 h) when the span would need more than
 * `maxBins` bins, so memory stays under ~16 MB whatever the log's length.
 */

/** Counts of requests per bin. */
export interface TimeBins {
  /** Seconds per bin: 1, 60 or 3600. */
  readonly resolutionS: number;
  /** Epoch second where bin 0 starts (a multiple of the resolution). */
  readonly originS: number;
  /** Number of bins in use, from the first request's bin to the last's. */
  readonly length: number;
  /** Earliest and latest request times seen, epoch ms (Infinity/-Infinity when empty). */
  readonly firstMs: number;
  readonly lastMs: number;
  /** Requests counted. */
  readonly total: number;
  add(timeMs: number): void;
  /** Count of bin `i` (0 … length-1). */
  at(i: number): number;
}

const RESOLUTIONS = [1, 60, 3600] as const;

/** Creates empty bins; `maxBins` bounds memory (default 4 million: 46 days at 1 s). */
export const createTimeBins = (maxBins = 4_000_000): TimeBins => {
  let res = 1;
  let counts = new Uint32Array(0);
  let origin = 0; // epoch second of counts[0]
  let lo = 0; // first used index
  let hi = -1; // last used index
  let firstMs = Infinity;
  let lastMs = -Infinity;
  let total = 0;

  const coarsen = (): void => {
    const next = RESOLUTIONS.find((r) => r > res);
    if (next === undefined) throw new RangeError('the log spans more time than the bins can hold');
    const newOrigin = Math.floor((origin + lo * res) / next) * next;
    const newLen = Math.floor((origin + hi * res - newOrigin) / next) + 1;
    const out = new Uint32Array(Math.max(16, newLen * 2));
    for (let i = lo; i <= hi; i++) {
      const j = Math.floor((origin + i * res - newOrigin) / next);
      out[j] = (out[j] ?? 0) + (counts[i] ?? 0);
    }
    res = next;
    counts = out;
    origin = newOrigin;
    lo = 0;
    hi = newLen - 1;
  };

  const ensure = (sec: number): number => {
    for (;;) {
      const binStart = Math.floor(sec / res) * res;
      if (hi < lo) {
        counts = new Uint32Array(4096);
        origin = binStart - 2048 * res;
        lo = hi = 2048;
        return 2048;
      }
      const idx = (binStart - origin) / res;
      if (idx >= 0 && idx < counts.length) {
        if (idx < lo) lo = idx;
        if (idx > hi) hi = idx;
        return idx;
      }
      const newLo = Math.min(lo, idx);
      const newHi = Math.max(hi, idx);
      const span = newHi - newLo + 1;
      if (span > maxBins) {
        coarsen();
        continue;
      }
      // Grow with head and tail room in proportion to the span, so repeated growth stays amortised.
      const room = Math.max(4096, span);
      const size = Math.min(span + 2 * room, Math.max(maxBins, span));
      const out = new Uint32Array(size);
      const shift = Math.floor((size - span) / 2) - newLo;
      out.set(counts.subarray(lo, hi + 1), lo + shift);
      counts = out;
      origin -= shift * res;
      lo += shift;
      hi += shift;
    }
  };

  return {
    get resolutionS() {
      return res;
    },
    get originS() {
      return origin + lo * res;
    },
    get length() {
      return hi < lo ? 0 : hi - lo + 1;
    },
    get firstMs() {
      return firstMs;
    },
    get lastMs() {
      return lastMs;
    },
    get total() {
      return total;
    },
    add(timeMs) {
      const idx = ensure(Math.floor(timeMs / 1000));
      counts[idx] = (counts[idx] ?? 0) + 1;
      total++;
      if (timeMs < firstMs) firstMs = timeMs;
      if (timeMs > lastMs) lastMs = timeMs;
    },
    at(i) {
      return counts[lo + i] ?? 0;
    },
  };
};
