/** The small statistics and histogram pieces the detectors stand on, against known values. */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { createHistogram, maxMs, percentileMs, recordMs } from '../../src/run/histogram.js';
import { latencyStats, mergeSparse, sparseCountAboveMs, sparseMeanMs, sparsePercentileMs, toSparse } from '../../src/analyze/hist.js';
import { kneedle } from '../../src/analyze/kneedle.js';
import { binomialUpperTail, isotonicIncreasing, logGamma, median, quantile, spearman } from '../../src/analyze/stats.js';

describe('sparse histograms', () => {
  it('give exactly the percentiles, max and mean of the merged HDR histogram', () => {
    const rng = createRng(7);
    const parts = Array.from({ length: 12 }, (_, i) => {
      const h = createHistogram();
      for (let k = 0; k < 50 + i * 40; k++) recordMs(h, rng() < 0.02 ? 500 + rng() * 3000 : 0.2 + rng() * (i + 1) * 4);
      return h;
    });
    const all = createHistogram();
    for (const h of parts) all.add(h);
    const merged = mergeSparse(parts.map(toSparse));
    for (const p of [1, 50, 90, 95, 99, 99.9, 100]) expect(sparsePercentileMs(merged, p)).toBe(percentileMs(all, p));
    // max is the top bucket's highest equivalent value (HDR's p100): within the histogram's 3 significant digits.
    expect(Math.abs(latencyStats(merged).max_ms! - maxMs(all)!) / maxMs(all)!).toBeLessThan(1e-3);
    expect(latencyStats(merged).max_ms).toBeCloseTo(percentileMs(all, 100)!, 3);
    expect(sparseMeanMs(merged)!).toBeCloseTo(all.mean / 1000, 6);
    expect(merged.total).toBe(all.totalCount);
  });

  it('counts values above a threshold without over-counting', () => {
    const h = createHistogram();
    for (let i = 1; i <= 1000; i++) recordMs(h, i);
    const s = toSparse(h);
    expect(sparseCountAboveMs(s, 990)).toBeGreaterThanOrEqual(9);
    expect(sparseCountAboveMs(s, 990)).toBeLessThanOrEqual(10);
    expect(sparseCountAboveMs(s, 5000)).toBe(0);
    expect(latencyStats(mergeSparse([])).p99_ms).toBeNull();
  });
});

describe('statistics', () => {
  it('binomial upper tail matches exact values', () => {
    // P(X ≥ 8), X ~ Bin(10, 0.5) = (45 + 10 + 1) / 1024
    expect(binomialUpperTail(8, 10, 0.5)).toBeCloseTo(56 / 1024, 12);
    // P(X ≥ 3), X ~ Bin(100, 0.01) = 1 − P(0) − P(1) − P(2) = 0.0793732…
    expect(binomialUpperTail(3, 100, 0.01)).toBeCloseTo(0.07937, 4);
    expect(binomialUpperTail(0, 100, 0.01)).toBe(1);
    expect(binomialUpperTail(1, 100, 0.5)).toBe(1);
    expect(binomialUpperTail(100, 100, 0.01)).toBeLessThan(1e-150);
    expect(logGamma(10)).toBeCloseTo(Math.log(362880), 10);
  });

  it('isotonic regression pools adjacent violators into a non-decreasing fit', () => {
    expect(isotonicIncreasing([1, 3, 2, 4])).toEqual([1, 2.5, 2.5, 4]);
    expect(isotonicIncreasing([5, 4, 3])).toEqual([4, 4, 4]);
    const y = isotonicIncreasing([3, 1, 2, 8, 7, 9]);
    for (let i = 1; i < y.length; i++) expect(y[i]!).toBeGreaterThanOrEqual(y[i - 1]!);
  });

  it('median, quantile and Spearman', () => {
    expect(median([3, null, 1, 2])).toBe(2);
    expect(quantile([0, 10], 0.25)).toBe(2.5);
    expect(median([])).toBeNull();
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearman([1, 2], [1, 2])).toBeNull();
  });
});

describe('Kneedle', () => {
  it('finds the knee of y = x² on [0, 1] at x = 0.5 (the maximum of x − y)', () => {
    const xs = Array.from({ length: 101 }, (_, i) => i / 100);
    const k = kneedle(xs, xs.map((x) => x * x));
    expect(k?.x).toBeCloseTo(0.5, 2);
  });

  it('finds the knee of a hockey stick at the bend', () => {
    const xs = Array.from({ length: 40 }, (_, i) => 100 + i * 10); // 100 … 490 rps
    const ys = xs.map((x) => (x <= 380 ? 40 + (x - 100) * 0.02 : 40 + 5.6 + (x - 380) * 30));
    const k = kneedle(xs, ys);
    expect(k?.x).toBeGreaterThanOrEqual(360);
    expect(k?.x).toBeLessThanOrEqual(390);
  });

  it('returns null for flat or too short curves', () => {
    expect(kneedle([1, 2, 3, 4, 5], [7, 7, 7, 7, 7])).toBeNull();
    expect(kneedle([1, 2, 3], [1, 2, 9])).toBeNull();
  });

  it('lands early on an M/M/1 curve and moves with the end of the sweep (the caveat of docs/algorithms.md §5)', () => {
    const knee = (end: number): number => {
      const xs = Array.from({ length: 60 }, (_, i) => 0.05 + (i * (end - 0.05)) / 59);
      return kneedle(xs, xs.map((r) => 1 / (1 - r)))!.x;
    };
    expect(knee(0.9)).toBeLessThan(knee(0.99));
    expect(knee(0.99)).toBeLessThan(0.99);
  });
});

describe('decoding run-directory histograms', () => {
  it('the direct V2 decoder gives exactly what hdr-histogram-js decodes', async () => {
    const { encodeHistogram, decodeHistogram } = await import('../../src/run/histogram.js');
    const { decodeSparse } = await import('../../src/analyze/hist.js');
    const rng = createRng(11);
    for (let n = 0; n < 200; n++) {
      const h = createHistogram(n % 2 === 0 ? 'dense' : 'packed');
      const k = Math.floor(rng() * 2000);
      for (let i = 0; i < k; i++) recordMs(h, rng() < 0.01 ? rng() * 3_600_000 : rng() ** 3 * (1 + n * 10));
      if (n % 7 === 0) h.recordValueWithCount(1000, 2_000_000_000); // counts that need several LEB128 bytes
      const enc = encodeHistogram(h);
      const a = decodeSparse(enc);
      const b = toSparse(decodeHistogram(enc));
      expect(a.total).toBe(b.total);
      expect([...a.idx]).toEqual([...b.idx]);
      expect([...a.count]).toEqual([...b.count]);
    }
  });

  it('re-buckets histograms recorded with other settings by value', async () => {
    const hdr = await import('hdr-histogram-js');
    const { encodeHistogram } = await import('../../src/run/histogram.js');
    const { decodeSparse } = await import('../../src/analyze/hist.js');
    const other = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 2, useWebAssembly: false });
    for (let i = 1; i <= 1000; i++) other.recordValue(i * 1000); // 1..1000 ms in µs
    const s = decodeSparse(encodeHistogram(other));
    expect(s.total).toBe(1000);
    expect(sparsePercentileMs(s, 50)!).toBeCloseTo(500, -1);
    expect(sparsePercentileMs(s, 99)!).toBeCloseTo(990, -1);
  });
});
