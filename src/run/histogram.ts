/**
 * Latency histograms: HDR histograms (hdr-histogram-js) of values in
 * **microseconds**, 3 significant digits, from 1 µs up to 1 hour (values above
 * are clamped). Encoded as compressed base64 in the run directory, so any
 * report can be recomputed and histograms from workers or k6 runners merged
 * exactly.
 */
import * as hdr from 'hdr-histogram-js';

export type Histogram = hdr.Histogram;

/** Highest trackable value: one hour in µs. */
export const MAX_LATENCY_US = 3_600_000_000;

/**
 * A new histogram. `packed` uses a sparse packed array (small when few values:
 * per-tenant histograms); `dense` (the default) is faster to record into.
 */
export const createHistogram = (layout: 'dense' | 'packed' = 'dense'): Histogram =>
  hdr.build({
    bitBucketSize: layout === 'packed' ? 'packed' : 32,
    lowestDiscernibleValue: 1,
    highestTrackableValue: MAX_LATENCY_US,
    numberOfSignificantValueDigits: 3,
    autoResize: false,
    useWebAssembly: false,
  });

/**
 * log2 of half the sub-buckets per bucket of every histogram built here: 3
 * significant digits need 2,000 values at unit resolution, so 2,048
 * sub-buckets, half of them 1,024 = 2^10 (the lowest value, 1, adds no shift).
 */
export const SUB_BUCKET_HALF_MAGNITUDE = 10;

/**
 * The index in the counts array of a value `us` in [1, MAX_LATENCY_US] (below
 * 2^32), with integer operations: the same index as hdr-histogram-js's
 * `countsArrayIndex`, which computes it with a `Math.log2` and two
 * `Math.pow` per value (about half of `recordValue`'s time in a profile of
 * the replay at 10,000/s, which records four values per request).
 */
export const countsIndex = (us: number): number => {
  const bucket = Math.max(31 - Math.clz32(us) - SUB_BUCKET_HALF_MAGNITUDE, 0);
  return (bucket << SUB_BUCKET_HALF_MAGNITUDE) + (us >>> bucket);
};

/** What `recordMs` calls of hdr-histogram-js's JS histograms (public methods of its JsHistogram, which `recordValue` calls too). */
interface JsCounts {
  incrementCountAtIndex(index: number): void;
  updateMinAndMax(value: number): void;
  incrementTotalCount(): void;
}

/** Records a duration given in milliseconds (fractional), clamped to [1 µs, 1 h]: `recordValue` with the index computed by `countsIndex`. */
export const recordMs = (h: Histogram, ms: number): void => {
  const us = Math.round(ms * 1000);
  const v = us < 1 ? 1 : us > MAX_LATENCY_US ? MAX_LATENCY_US : us;
  const c = h as unknown as JsCounts;
  c.incrementCountAtIndex(countsIndex(v));
  c.updateMinAndMax(v);
  c.incrementTotalCount();
};

/** Encodes to compressed base64 (the run directory's form). */
export const encodeHistogram = (h: Histogram): string => hdr.encodeIntoCompressedBase64(h);

/** Decodes a compressed base64 histogram. */
export const decodeHistogram = (encoded: string): Histogram =>
  hdr.decodeFromCompressedBase64(encoded, 32, false);

/** Merges `sources` into a new dense histogram (exact: HDR addition). */
export const mergeHistograms = (sources: Iterable<Histogram>): Histogram => {
  const out = createHistogram('dense');
  for (const h of sources) out.add(h);
  return out;
};

/** Percentile (0–100) in milliseconds, or null when the histogram is empty. */
export const percentileMs = (h: Histogram, p: number): number | null =>
  h.totalCount === 0 ? null : h.getValueAtPercentile(p) / 1000;

/** Max in milliseconds, or null when empty. */
export const maxMs = (h: Histogram): number | null => (h.totalCount === 0 ? null : h.maxValue / 1000);
