/** The HDR percentile plot's x axis: percentile ↔ 1/(1 − p), tick labels, and the analysis's percentile ladder on it. */
import { describe, expect, it } from 'vitest';
import { percentileLadder } from '../../src/analyze/charts.js';
import { formatPercentile, percentileTicks, percentileToX, xToPercentile } from '../../src/report/percentile-axis.js';

describe('percentileToX', () => {
  it('puts each nine one decade further', () => {
    expect(percentileToX(0)).toBe(1);
    expect(percentileToX(50)).toBe(2);
    expect(percentileToX(90)).toBeCloseTo(10, 9);
    expect(percentileToX(99)).toBeCloseTo(100, 7);
    expect(percentileToX(99.9)).toBeCloseTo(1000, 5);
    expect(percentileToX(99.99)).toBeCloseTo(10_000, 3);
    expect(percentileToX(100)).toBe(Infinity);
  });

  it('is increasing and xToPercentile undoes it', () => {
    let last = 0;
    for (let p = 0; p < 99.9999; p += 0.37) {
      const x = percentileToX(p);
      expect(x).toBeGreaterThan(last);
      expect(xToPercentile(x)).toBeCloseTo(p, 6);
      last = x;
    }
  });
});

describe('percentileTicks', () => {
  it('labels the powers of ten 0%, 90%, 99%, 99.9%, 99.99% and ends at or past maxX', () => {
    expect(percentileTicks(5000)).toEqual([
      { x: 1, label: '0%' }, { x: 10, label: '90%' }, { x: 100, label: '99%' }, { x: 1000, label: '99.9%' }, { x: 10_000, label: '99.99%' },
    ]);
    expect(percentileTicks(1000).map((t) => t.x)).toEqual([1, 10, 100, 1000]);
    expect(percentileTicks(1).map((t) => t.label)).toEqual(['0%', '90%']);
    expect(percentileTicks(1e6).at(-1)).toEqual({ x: 1e6, label: '99.9999%' });
  });

  it('each tick sits where percentileToX puts its percentile', () => {
    for (const t of percentileTicks(1e7)) expect(percentileToX(Number(t.label.replace('%', '')))).toBeCloseTo(t.x, -Math.log10(t.x) + 3);
  });
});

describe('formatPercentile', () => {
  it('shows two significant digits of what is left above', () => {
    expect(formatPercentile(0)).toBe('0%');
    expect(formatPercentile(68.377)).toBe('68%');
    expect(formatPercentile(90)).toBe('90%');
    expect(formatPercentile(93.69)).toBe('93.7%');
    expect(formatPercentile(99)).toBe('99%');
    expect(formatPercentile(99.369)).toBe('99.37%');
    expect(formatPercentile(99.99)).toBe('99.99%');
    expect(formatPercentile(99.99921)).toBe('99.99921%');
  });
});

describe('percentileLadder', () => {
  it('is evenly spaced on the log axis from 0% up to what the sample count resolves', () => {
    const ladder = percentileLadder(1000);
    expect(ladder).toHaveLength(31);
    expect(ladder[0]).toBe(0);
    expect(ladder.at(-1)).toBeCloseTo(99.9, 9);
    const logs = ladder.map((p) => Math.log10(percentileToX(p)));
    logs.forEach((l, k) => expect(l).toBeCloseTo(k / 10, 9));
    expect(percentileLadder(999)).toHaveLength(30);
    expect(percentileLadder(1)).toEqual([0]);
    expect(percentileLadder(0)).toEqual([]);
  });
});
