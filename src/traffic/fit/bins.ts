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

/** The bins' storage: `counts[lo..hi]` in use, `counts[0]` starting at epoch second `origin`. */
interface BinState {
  /** Seconds per bin. */
  res: number;
  counts: Uint32Array;
  origin: number;
  /** First used index. */
  lo: number;
  /** Last used index (< lo when empty). */
  hi: number;
  maxBins: number;
}

/** Moves to the next coarser resolution, adding the counts into the wider bins. */
const coarsen = (s: BinState): void => {
  const next = RESOLUTIONS.find((r) => r > s.res);
  if (next === undefined) throw new RangeError('the log spans more time than the bins can hold');
  const { res, origin, lo, hi, counts } = s;
  const newOrigin = Math.floor((origin + lo * res) / next) * next;
  const newLen = Math.floor((origin + hi * res - newOrigin) / next) + 1;
  const out = new Uint32Array(Math.max(16, newLen * 2));
  for (let i = lo; i <= hi; i++) {
    const j = Math.floor((origin + i * res - newOrigin) / next);
    out[j] = (out[j] ?? 0) + (counts[i] ?? 0);
  }
  s.res = next;
  s.counts = out;
  s.origin = newOrigin;
  s.lo = 0;
  s.hi = newLen - 1;
};

/** Reallocates so indexes `newLo..newHi` (`span` bins) fit, keeping the counts. */
const grow = (s: BinState, newLo: number, span: number): void => {
  // Grow with head and tail room in proportion to the span, so repeated growth stays amortised.
  const room = Math.max(4096, span);
  const size = Math.min(span + 2 * room, Math.max(s.maxBins, span));
  const out = new Uint32Array(size);
  const shift = Math.floor((size - span) / 2) - newLo;
  out.set(s.counts.subarray(s.lo, s.hi + 1), s.lo + shift);
  s.counts = out;
  s.origin -= shift * s.res;
  s.lo += shift;
  s.hi += shift;
};

/** The index of the bin holding epoch second `sec`, growing or coarsening the storage as needed. */
const binIndex = (s: BinState, sec: number): number => {
  for (;;) {
    const binStart = Math.floor(sec / s.res) * s.res;
    if (s.hi < s.lo) {
      s.counts = new Uint32Array(4096);
      s.origin = binStart - 2048 * s.res;
      s.lo = s.hi = 2048;
      return 2048;
    }
    const idx = (binStart - s.origin) / s.res;
    if (idx >= 0 && idx < s.counts.length) {
      if (idx < s.lo) s.lo = idx;
      if (idx > s.hi) s.hi = idx;
      return idx;
    }
    const newLo = Math.min(s.lo, idx);
    const span = Math.max(s.hi, idx) - newLo + 1;
    if (span > s.maxBins) coarsen(s);
    else grow(s, newLo, span);
  }
};

/** Creates empty bins; `maxBins` bounds memory (default 4 million: 46 days at 1 s). */
export const createTimeBins = (maxBins = 4_000_000): TimeBins => {
  const s: BinState = { res: 1, counts: new Uint32Array(0), origin: 0, lo: 0, hi: -1, maxBins };
  let firstMs = Infinity;
  let lastMs = -Infinity;
  let total = 0;
  return {
    get resolutionS() {
      return s.res;
    },
    get originS() {
      return s.origin + s.lo * s.res;
    },
    get length() {
      return s.hi < s.lo ? 0 : s.hi - s.lo + 1;
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
      const idx = binIndex(s, Math.floor(timeMs / 1000));
      s.counts[idx] = (s.counts[idx] ?? 0) + 1;
      total++;
      if (timeMs < firstMs) firstMs = timeMs;
      if (timeMs > lastMs) lastMs = timeMs;
    },
    at(i) {
      return s.counts[s.lo + i] ?? 0;
    },
  };
};
