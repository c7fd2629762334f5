/**
 * Latencies collected raw (µs in a growable typed array) and folded into an
 * encoded HDR histogram on demand: recording is a typed-array store, and the
 * costly histogram work happens once per fold, in one reused dense histogram.
 * Folding is exact (HDR addition), so any number of folds gives the same
 * histogram as recording everything at once.
 */
import { createHistogram, decodeHistogram, encodeHistogram, MAX_LATENCY_US, type Histogram } from '../run/histogram.js';

export interface LatencyBuffer {
  /** Raw latencies in µs, `n` of them. */
  values: Uint32Array;
  n: number;
  /** Latencies already folded, as an encoded histogram. */
  encoded: string | null;
}

export const newLatencyBuffer = (): LatencyBuffer => ({ values: new Uint32Array(16), n: 0, encoded: null });

/** Appends a latency in µs, clamped to the histogram's range [1 µs, 1 h]. */
export const pushLatency = (b: LatencyBuffer, us: number): void => {
  if (b.n === b.values.length) {
    const grown = new Uint32Array(b.values.length * 2);
    grown.set(b.values);
    b.values = grown;
  }
  b.values[b.n++] = us < 1 ? 1 : us > MAX_LATENCY_US ? MAX_LATENCY_US : Math.round(us);
};

let scratch: Histogram | null = null;

/** Folds the raw values into `encoded` (an empty buffer encodes an empty histogram). Returns how many were folded. */
export const foldLatency = (b: LatencyBuffer): number => {
  if (b.n === 0 && b.encoded !== null) return 0;
  scratch ??= createHistogram('dense');
  const h = scratch;
  h.reset();
  if (b.encoded !== null) h.add(decodeHistogram(b.encoded));
  for (let i = 0; i < b.n; i++) h.recordValue(b.values[i] ?? 1);
  b.encoded = encodeHistogram(h);
  const folded = b.n;
  b.n = 0;
  b.values = new Uint32Array(16);
  return folded;
};
