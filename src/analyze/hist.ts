/**
 * Sparse latency histograms for analysis. Every window's encoded HDR histogram
 * (src/run/histogram.ts: µs, 3 significant digits) is decoded **once** into a
 * sparse list of (bucket index, count); merging any set of windows (a second,
 * a bin of seconds, a tenant class, the whole run) is then a cheap sum over
 * non-zero buckets. Percentiles follow HdrHistogram's definition exactly
 * (same bucket, same "highest equivalent value"), so numbers match
 * `percentileMs` on a merged HDR histogram.
 */
import { errorMessage, inputError } from '../core/errors.js';
import { inflateSync } from 'node:zlib';
import { MAX_LATENCY_US, createHistogram, decodeHistogram, type Histogram } from '../run/histogram.js';
import { r3 } from '../core/round.js';

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
/** Scratch counts for merges, and the indices touched; always left zeroed between calls. */
const scratch = new Float64Array(LENGTH);
const touched = new Int32Array(LENGTH);
let nTouched = 0;

const bump = (i: number, c: number): void => {
  if (scratch[i] === 0) touched[nTouched++] = i;
  scratch[i] = (scratch[i] ?? 0) + c;
};

/** A histogram as sorted (bucket index, count) pairs; `total` is the sum of counts. */
export interface Sparse {
  readonly idx: Uint32Array;
  readonly count: Float64Array;
  readonly total: number;
}

/** The empty histogram. */
export const EMPTY_SPARSE: Sparse = { idx: new Uint32Array(0), count: new Float64Array(0), total: 0 };

/** Collects the touched scratch entries into a sparse histogram and clears them. */
const takeScratch = (): Sparse => {
  const n = nTouched;
  if (n === 0) return EMPTY_SPARSE;
  const order = touched.subarray(0, n).sort();
  const idx = new Uint32Array(n);
  const count = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k] ?? 0;
    const c = scratch[i] ?? 0;
    idx[k] = i;
    count[k] = c;
    total += c;
    scratch[i] = 0;
  }
  nTouched = 0;
  return { idx, count, total };
};

/**
 * Converts an HDR histogram to sparse form. A histogram built with other
 * settings than src/run/histogram.ts (another unit range or precision, e.g.
 * from an importer) is re-bucketed by value.
 */
export const toSparse = (h: Histogram): Sparse => {
  if (h.totalCount === 0) return EMPTY_SPARSE;
  const js = h as unknown as JsHistogramInternals;
  const same = js.countsArrayLength === LENGTH && js.valueFromIndex(LENGTH - 1) === TEMPLATE.valueFromIndex(LENGTH - 1);
  for (let i = 0; i < js.countsArrayLength; i++) {
    const c = js.getCountAtIndex(i);
    if (c === 0) continue;
    bump(same ? i : Math.min(LENGTH - 1, TEMPLATE.countsArrayIndex(Math.min(MAX_LATENCY_US, Math.max(1, js.valueFromIndex(i))))), c);
  }
  return takeScratch();
};

const V2_COMPRESSED = 0x1c849304;
const V2_PLAIN = 0x1c849303;
const HEADER_BYTES = 40;

/**
 * Decodes HdrHistogram's V2 compressed encoding straight into sparse form
 * (no 94 KB counts array per window): base64 → [cookie, length, zlib data]
 * → [40-byte header, ZigZag LEB128 counts, negative = run of zeros]. Returns
 * null when the header's settings differ from ours (the caller falls back).
 */
const decodeV2Direct = (encoded: string): Sparse | null => {
  const raw = Buffer.from(encoded.trim(), 'base64');
  if (raw.length < 8 || (raw.readInt32BE(0) & ~0xf0) !== V2_COMPRESSED) return null;
  const data = inflateSync(raw.subarray(8, 8 + raw.readInt32BE(4)));
  if (data.length < HEADER_BYTES || (data.readInt32BE(0) & ~0xf0) !== V2_PLAIN) return null;
  const payload = data.readInt32BE(4);
  const digits = data.readInt32BE(12);
  const lowest = data.readInt32BE(16) * 2 ** 32 + data.readUInt32BE(20);
  const highest = data.readInt32BE(24) * 2 ** 32 + data.readUInt32BE(28);
  if (digits !== 3 || lowest !== 1 || highest !== MAX_LATENCY_US) return null;
  let pos = HEADER_BYTES;
  const end = Math.min(data.length, HEADER_BYTES + payload);
  let index = 0;
  while (pos < end) {
    let value = 0;
    let scale = 1;
    for (let k = 0; k < 9; k++) {
      const b = data[pos++] ?? 0;
      value += (k === 8 ? b : b & 0x7f) * scale;
      if (k === 8 || (b & 0x80) === 0) break;
      scale *= 128;
    }
    const count = value % 2 === 0 ? value / 2 : -(value + 1) / 2;
    if (count < 0) {
      index -= count;
      continue;
    }
    if (count > 0 && index < LENGTH) bump(index, count);
    index++;
  }
  return takeScratch();
};

/**
 * Decodes a run-directory histogram (compressed base64) into sparse form. A
 * histogram whose compressed bytes are damaged is an InputError (the run
 * directory's files were checked for shape when loaded, not inflated).
 */
export const decodeSparse = (encoded: string): Sparse => {
  try {
    return decodeV2Direct(encoded) ?? toSparse(decodeHistogram(encoded));
  } catch (e) {
    throw inputError('latency', `a histogram in the run directory is damaged (${errorMessage(e)})`, { hint: 'the run directory is damaged: re-run, or restore its files', code: 'PS_RUN_DAMAGED' });
  }
};

/** Sums sparse histograms (exact). */
export const mergeSparse = (list: Iterable<Sparse>): Sparse => {
  let only: Sparse | null = null;
  let nonEmpty = 0;
  for (const s of list) {
    if (s.total === 0) continue;
    nonEmpty++;
    only = s;
    for (let k = 0; k < s.idx.length; k++) bump(s.idx[k] ?? 0, s.count[k] ?? 0);
  }
  if (nonEmpty === 1 && only !== null) {
    for (let k = 0; k < nTouched; k++) scratch[touched[k] ?? 0] = 0;
    nTouched = 0;
    return only;
  }
  return takeScratch();
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

/** p50/p95/p99/max and the sample count of a sparse histogram. */
export const latencyStats = (s: Sparse): LatencyStats => ({
  n: s.total,
  p50_ms: r3(sparsePercentileMs(s, 50)),
  p95_ms: r3(sparsePercentileMs(s, 95)),
  p99_ms: r3(sparsePercentileMs(s, 99)),
  max_ms: r3(sparseMaxMs(s)),
});
