import { describe, expect, it } from 'vitest';
import { formatDurationMs, parseDurationMs } from '../../src/core/duration.js';

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
  });
});
