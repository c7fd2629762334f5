import { describe, expect, it } from 'vitest';
import { parseAnyTime, parseClfTime, parseEpoch, parseIsoTime, zoneOffset } from '../../src/traffic/logs/time.js';

const utc = zoneOffset('UTC');
const iso = (ms: number | undefined): string => new Date(ms ?? NaN).toISOString();

describe('log timestamps', () => {
  it('reads CLF times in their own offset, with optional fractions', () => {
    expect(parseClfTime('10/Oct/2000:13:55:36 -0700')).toEqual({ timeMs: Date.UTC(2000, 9, 10, 20, 55, 36), offsetMin: -420 });
    expect(parseClfTime('01/Jan/2024:00:30:00 +0530')).toEqual({ timeMs: Date.UTC(2023, 11, 31, 19, 0, 0), offsetMin: 330 });
    expect(iso(parseClfTime('04/Mar/2024:09:15:02.123 +0100')?.timeMs)).toBe('2024-03-04T08:15:02.123Z');
    expect(parseClfTime('04/Mar/2024:09:15:02')?.offsetMin).toBeNull();
    for (const bad of ['32/Foo/2024:09:15:07 +0100', '04/Mar/2024:25:15:07 +0100', '04/Mar/2024:09:15:07 0100', '04/Mar/2024 09:15:07 +0100', '']) {
      expect(parseClfTime(bad)).toBeNull();
    }
  });

  it('reads ISO 8601 with Z, offsets, fractions, a space for T, and no zone', () => {
    expect(iso(parseIsoTime('2024-03-04T09:00:00+01:00', utc)?.timeMs)).toBe('2024-03-04T08:00:00.000Z');
    expect(iso(parseIsoTime('2024-03-04T09:00:00-0430', utc)?.timeMs)).toBe('2024-03-04T13:30:00.000Z');
    expect(iso(parseIsoTime('2024-03-04 09:00:00.5Z', utc)?.timeMs)).toBe('2024-03-04T09:00:00.500Z');
    expect(iso(parseIsoTime('2024-03-04T09:00:00,25+00', utc)?.timeMs)).toBe('2024-03-04T09:00:00.250Z');
    expect(parseIsoTime('2024-03-04T09:00', utc)).toEqual({ timeMs: Date.UTC(2024, 2, 4, 9), offsetMin: null });
    expect(parseIsoTime('2024-13-04T09:00:00Z', utc)).toBeNull();
    expect(parseIsoTime('yesterday', utc)).toBeNull();
  });

  it('reads epoch seconds, milliseconds, microseconds and nanoseconds by magnitude', () => {
    const t = Date.UTC(2024, 2, 4, 8, 0, 2, 250);
    expect(parseEpoch(t / 1000)?.timeMs).toBe(t);
    expect(parseEpoch(t)?.timeMs).toBe(t);
    expect(parseEpoch(t * 1000)?.timeMs).toBe(t);
    expect(parseEpoch(t * 1e6)?.timeMs).toBe(t);
    expect(parseEpoch(12)).toBeNull();
    expect(parseAnyTime('1709539202.250', utc)?.timeMs).toBe(t);
    expect(parseAnyTime('[04/Mar/2024:08:00:02 +0000]', utc)?.timeMs).toBe(t - 250);
  });

  it('reads zone-less times in an IANA zone, across daylight saving changes', () => {
    const paris = zoneOffset('Europe/Paris');
    expect(iso(parseIsoTime('2024-03-04 09:00:00', paris)?.timeMs)).toBe('2024-03-04T08:00:00.000Z'); // CET
    expect(iso(parseIsoTime('2024-07-04 09:00:00', paris)?.timeMs)).toBe('2024-07-04T07:00:00.000Z'); // CEST
    const ny = zoneOffset('America/New_York');
    expect(iso(parseIsoTime('2024-03-09 12:00:00', ny)?.timeMs)).toBe('2024-03-09T17:00:00.000Z'); // EST
    expect(iso(parseIsoTime('2024-03-11 12:00:00', ny)?.timeMs)).toBe('2024-03-11T16:00:00.000Z'); // EDT
    expect(iso(parseIsoTime('2024-03-04 09:00:00', zoneOffset('+05:30'))?.timeMs)).toBe('2024-03-04T03:30:00.000Z');
    expect(iso(parseIsoTime('2024-03-04 09:00:00', zoneOffset('UTC-3'))?.timeMs)).toBe('2024-03-04T12:00:00.000Z');
    expect(() => zoneOffset('Nowhere/Land')).toThrow(/unknown timezone/);
  });
});
