/**
 * Sparse latency histograms for analysis. Every window's encoded HDR histogram
 * (src/run/histogram.ts: µs, 3 significant digits) is decoded **once** into a
 * sparse list of (bucket index, count); merging any set of windows (a second,
 * a bin of seconds, a tenant class, the whole run) is then a cheap sum over
 * non-zero buckets. Percentiles follow HdrHistogram's definition exactly
 * (same bucket, same "highest equivalent value"), so numbers match
 * `percentileMs` on a merged HDR histogram.
 */
import { createHistogram, decodeHistogram, type Histogram } from '../run/histogram.js';

/** The parts of hdr-histogram-js's JsHistogram we rely on (present on every JS layout). */
interface JsHistogramInternals {
  countsArrayLength: number;
  medianEquivalentValue(value: number): number;
  getCountAtIndex(index: number): number;
  countsArrayIndex(value: number): number;
  valueFromIndex(index: number): number;
  highestEquivalentValue(value: number): number;
  lowestEquivalentValue(value: number): number;
}

const TEMPLATE = createHistogram('dense') as unknown as JsHistogramInternals;
const LENGTH = TEMPLATE.countsArrayLength;
/** Scratch counts for merges; always left zeroed between calls. */
const scratch = new Float64Array(LENGTH);

/** A histogram as sorted (bucket index, count) pairs; `total` is the sum of counts. */
export interface Sparse {
  readonly idx: Uint32Array;
  readonly count: Float64Array;
  readonly total: number;
}

/** The empty histogram. */
export const EMPTY_SPARSE: Sparse = { idx: new Uint32Array(0), count: new Float64Array(0), total: 0 };

const fromScratch = (lo: number, hi: number): Sparse => {
  let n = 0;
  for (let i = lo; i <= hi; i++) if (scratch[i] !== 0) n++;
  const idx = new Uint32Array(n);
  const count = new Float64Array(n);
  let k = 0;
  let total = 0;
  for (let i = lo; i <= hi; i++) {
    const c = scratch[i] ?? 0;
    if (c !== 0) {
      idx[k] = i;
      count[k] = c;
      total += c;
      k++;
      scratch[i] = 0;
    }
  }
  return { idx, count, total };
};

/** Converts an HDR histogram (built with src/run/histogram.ts settings) to sparse form. */
export const toSparse = (h: Histogram): Sparse => {
  if (h.totalCount === 0) return EMPTY_SPARSE;
  const js = h as unknown as JsHistogramInternals;
  if (js.countsArrayLength !== LENGTH) throw new Error(`histogram layout mismatch: ${js.countsArrayLength} buckets, expected ${LENGTH}`);
  let lo = LENGTH;
  let hi = -1;
  for (let i = 0; i < LENGTH; i++) {
    const c = js.getCountAtIndex(i);
    if (c !== 0) {
      scratch[i] = c;
      if (i < lo) lo = i;
      hi = i;
    }
  }
  return hi < 0 ? EMPTY_SPARSE : fromScratch(lo, hi);
};

/** Decodes a run-directory histogram (compressed base64) into sparse form. */
export const decodeSparse = (encoded: string): Sparse => toSparse(decodeHistogram(encoded));

/** Sums sparse histograms (exact). */
export const mergeSparse = (list: Iterable<Sparse>): Sparse => {
  let lo = LENGTH;
  let hi = -1;
  let only: Sparse | null = null;
  let nonEmpty = 0;
  for (const s of list) {
    if (s.total === 0) continue;
    nonEmpty++;
    only = s;
    for (let k = 0; k < s.idx.length; k++) {
      const i = s.idx[k] ?? 0;
      scratch[i] = (scratch[i] ?? 0) + (s.count[k] ?? 0);
      if (i < lo) lo = i;
      if (i > hi) hi = i;
    }
  }
  if (nonEmpty === 0) return EMPTY_SPARSE;
  if (nonEmpty === 1 && only !== null) {
    scratch.fill(0, lo, hi + 1);
    return only;
  }
  return fromScratch(lo, hi);
};

/** Value (µs) of a bucket as HDR reports it for percentiles > 0: the highest equivalent value. */
const bucketHighUs = (i: number): number => TEMPLATE.highestEquivalentValue(TEMPLATE.valueFromIndex(i));

/** HDR's count rank for a percentile: ceil(p/100 · total), at least 1. */
const rankOf = (p: number, total: number): number => {
  const fp = (Math.min(p, 100) / 100) * total;
  return Math.max(Math.ceil(fp - fp * Number.EPSILON), 1);
};

/** Percentile (0 < p ≤ 100) in milliseconds, or null when empty. */
export const sparsePercentileMs = (s: Sparse, p: number): number | null => {
  if (s.total === 0) return null;
  const rank = rankOf(p, s.total);
  let acc = 0;
  for (let k = 0; k < s.idx.length; k++) {
    acc += s.count[k] ?? 0;
    if (acc >= rank) return bucketHighUs(s.idx[k] ?? 0) / 1000;
  }
  return bucketHighUs(s.idx[s.idx.length - 1] ?? 0) / 1000;
};

/** Largest recorded value in ms (HDR's highest equivalent value), or null when empty. */
export const sparseMaxMs = (s: Sparse): number | null =>
  s.total === 0 ? null : bucketHighUs(s.idx[s.idx.length - 1] ?? 0) / 1000;

/** Mean in ms (HDR's definition: each bucket at its median equivalent value), or null when empty. */
export const sparseMeanMs = (s: Sparse): number | null => {
  if (s.total === 0) return null;
  let sum = 0;
  for (let k = 0; k < s.idx.length; k++) sum += TEMPLATE.medianEquivalentValue(TEMPLATE.valueFromIndex(s.idx[k] ?? 0)) * (s.count[k] ?? 0);
  return sum / s.total / 1000;
};

/**
 * Number of recorded values certainly above `ms`: the counts of buckets whose
 * lowest equivalent value is greater than `ms` (so never over-counts).
 */
export const sparseCountAboveMs = (s: Sparse, ms: number): number => {
  const us = Math.max(0, Math.round(ms * 1000));
  let n = 0;
  for (let k = s.idx.length - 1; k >= 0; k--) {
    const i = s.idx[k] ?? 0;
    if (TEMPLATE.valueFromIndex(i) <= us) break;
    n += s.count[k] ?? 0;
  }
  return n;
};

/** Latency statistics of one histogram, ms rounded to µs; nulls when it is empty. */
export interface LatencyStats {
  n: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
}

const r3 = (x: number | null): number | null => (x === null ? null : Math.round(x * 1000) / 1000);

/** p50/p95/p99/max and the sample count of a sparse histogram. */
export const latencyStats = (s: Sparse): LatencyStats => ({
  n: s.total,
  p50_ms: r3(sparsePercentileMs(s, 50)),
  p95_ms: r3(sparsePercentileMs(s, 95)),
  p99_ms: r3(sparsePercentileMs(s, 99)),
  max_ms: r3(sparseMaxMs(s)),
});
