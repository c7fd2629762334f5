import { describe, expect, it } from 'vitest';
import { fmtMs, fmtS, formatDurationMs, parseDurationMs } from '../../src/core/duration.js';
import { fmtCount, fmtInt, fmtPct, fmtRps, fmtX } from '../../src/core/numbers.js';

describe('parseDurationMs', () => {
  it('reads the units docs/design.md promises', () => {
    expect(parseDurationMs('500ms')).toBe(500);
    expect(parseDurationMs('30s')).toBe(30_000);
    expect(parseDurationMs('5m')).toBe(300_000);
    expect(parseDurationMs('1h')).toBe(3_600_000);
    expect(parseDurationMs('1h30m')).toBe(5_400_000);
    expect(parseDurationMs('1.5s')).toBe(1500);
    expect(parseDurationMs(2)).toBe(2000);
    expect(parseDurationMs('10')).toBe(10_000);
  });
  it('rejects what is not a duration', () => {
    for (const bad of ['', 'fast', '10 parsecs', '5x', '-1s', 's', null, {}, -3]) expect(parseDurationMs(bad)).toBeNull();
  });
  it('formats compactly', () => {
    expect(formatDurationMs(850)).toBe('850ms');
    expect(formatDurationMs(12_500)).toBe('12.5s');
    expect(formatDurationMs(200_000)).toBe('3m20s');
    expect(formatDurationMs(3_900_000)).toBe('1h05m');
    expect(formatDurationMs((3 * 86_400 + 11 * 3600 + 59 * 60) * 1000)).toBe('3d 11h');
  });
  it('formats latencies and offsets into a run', () => {
    expect([0.844, 41.4, 2100, 12_540].map(fmtMs)).toEqual(['0.84 ms', '41 ms', '2.10 s', '12.5 s']);
    expect([null, undefined, NaN].map(fmtMs)).toEqual(['-', '-', '-']);
    expect([4.52, 45, 119.6, 125, null].map(fmtS)).toEqual(['4.5 s', '45 s', '120 s', '2m05s', '-']);
  });
});

describe('number formats', () => {
  it('writes counts, percents, rates and ratios for people', () => {
    expect(fmtInt(1_234_567.4)).toBe('1,234,567');
    expect([0.042, 0.0035, 0.5, null].map((f) => fmtPct(f))).toEqual(['4.2%', '0.35%', '50%', '-']);
    expect(fmtPct(0.000012, 3)).toBe('0.001%');
    expect([380.4, 12.46, null].map(fmtRps)).toEqual(['380 rps', '12.5 rps', '-']);
    expect([8.14, 12.6, Infinity].map(fmtX)).toEqual(['8.1x', '13x', '-']);
    expect([1_240_000, 45_200, 812, null].map(fmtCount)).toEqual(['1.2M', '45k', '812', '?']);
  });
});
