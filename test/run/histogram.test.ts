/**
 * recordMs writes into hdr-histogram-js's counts with an index of its own
 * (integer operations, not the library's log2 and pow): it must land every
 * value where the library's `recordValue` would, for both layouts, so the
 * encoded histograms and every percentile stay the same.
 */
import { describe, expect, it } from 'vitest';
import { countsIndex, createHistogram, encodeHistogram, MAX_LATENCY_US, recordMs, percentileMs } from '../../src/run/histogram.js';

/** Values around every power of two up to the histogram's top, and its ends. */
const edgeValuesUs = (): number[] => {
  const out = [1, 2, 3, 1023, 1024, 1025, 2047, 2048, 2049, MAX_LATENCY_US - 1, MAX_LATENCY_US];
  for (let k = 1; 2 ** k <= MAX_LATENCY_US; k++) out.push(2 ** k - 1, 2 ** k, 2 ** k + 1);
  return out.filter((v) => v >= 1 && v <= MAX_LATENCY_US);
};

describe('countsIndex', () => {
  it("equals the library's countsArrayIndex at every power of two, its neighbours, and 200,000 random values", () => {
    const lib = createHistogram() as unknown as { countsArrayIndex(v: number): number };
    let seed = 12345;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const values = edgeValuesUs();
    // Log-uniform over [1 µs, 1 h], so every bucket gets values.
    for (let i = 0; i < 200_000; i++) values.push(Math.max(1, Math.min(MAX_LATENCY_US, Math.round(Math.exp(next() * Math.log(MAX_LATENCY_US))))));
    const wrong = values.filter((v) => countsIndex(v) !== lib.countsArrayIndex(v));
    expect(wrong).toEqual([]);
  });
});

describe('recordMs', () => {
  it.each(['dense', 'packed'] as const)('builds the same %s histogram as recordValue (encoded bytes, count, percentiles)', (layout) => {
    const ours = createHistogram(layout);
    const theirs = createHistogram(layout);
    const ms = [0, 0.0004, 0.0006, 0.001, 0.25, 1.5, 3.14159, 17, 250.5, 999.9995, 60_000, 3_600_000, 5_000_000, ...edgeValuesUs().map((us) => us / 1000)];
    for (const m of ms) {
      recordMs(ours, m);
      const us = Math.round(m * 1000);
      theirs.recordValue(us < 1 ? 1 : us > MAX_LATENCY_US ? MAX_LATENCY_US : us);
    }
    expect(ours.totalCount).toBe(ms.length);
    expect(encodeHistogram(ours)).toBe(encodeHistogram(theirs));
    for (const p of [0, 1, 50, 90, 99, 99.9, 100]) expect(percentileMs(ours, p)).toBe(percentileMs(theirs, p));
    expect(ours.minNonZeroValue).toBe(1);
    expect(ours.maxValue).toBe(theirs.maxValue);
  });
});
