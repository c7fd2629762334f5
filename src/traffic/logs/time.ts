/**
 * Timestamps as access logs write them, to epoch milliseconds (UTC):
 *   - Apache/nginx `%t` / `$time_local`: `17/May/2015:10:05:03 +0000` (the offset is the line's own zone);
 *   - ISO 8601 (`$time_iso8601`, `@timestamp`): `2015-05-17T10:05:03+02:00`, `…Z`, `… 10:05:03.123`;
 *   - epoch numbers (`$msec` = `1431857103.123` seconds; 13 digits ms, 16 µs, 19 ns).
 * Times written without a zone are read in a configured zone (IANA name, `UTC`
 * or `+hh:mm`), default UTC; offsets at each instant come from Intl, so DST is right.
 */
import { inputError } from '../../core/errors.js';
import { round3 } from '../../core/round.js';

/** A parsed time: the instant and the zone offset it was written in (minutes east of UTC), null when none was written. */
export interface ParsedTime { timeMs: number; offsetMin: number | null }

/** Maps a wall-clock time read as if it were UTC to that zone's offset (minutes) at that wall time. */
export type ZoneOffset = (wallMs: number) => number;

const MONTHS: Record<string, number> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
};

const digits = (s: string, from: number, n: number): number => {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    v = v * 10 + c;
  }
  return v;
};

const validWall = (mon: number, d: number, h: number, mi: number, sec: number): boolean =>
  mon >= 0 && mon <= 11 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && sec <= 60;

/**
 * `17/May/2015:10:05:03 +0000` (Apache `%t` without brackets; nginx `$time_local`),
 * optionally with fractional seconds (`10:05:03.123`). Null when it is not one.
 */
export const parseClfTime = (s: string): ParsedTime | null => {
  if (s.length < 20 || s.charCodeAt(2) !== 47 || s.charCodeAt(6) !== 47 || s.charCodeAt(11) !== 58) return null;
  const d = digits(s, 0, 2);
  const mon = MONTHS[s.slice(3, 6)];
  const y = digits(s, 7, 4);
  const h = digits(s, 12, 2);
  const mi = digits(s, 15, 2);
  const sec = digits(s, 18, 2);
  if (mon === undefined || !validWall(mon, d, h, mi, sec) || Number.isNaN(y)) return null;
  let i = 20;
  let fracMs = 0;
  if (s.charCodeAt(i) === 46) {
    let j = i + 1;
    while (j < s.length && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++;
    fracMs = Number(`0${s.slice(i, j)}`) * 1000;
    i = j;
  }
  let offsetMin: number | null = null;
  if (i < s.length) {
    if (s.charCodeAt(i) !== 32) return null;
    const sign = s[i + 1];
    const oh = digits(s, i + 2, 2);
    const om = digits(s, i + 4, 2);
    if ((sign !== '+' && sign !== '-') || Number.isNaN(oh) || Number.isNaN(om) || s.length !== i + 6) return null;
    offsetMin = (sign === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const wall = Date.UTC(y, mon, d, h, mi, sec) + fracMs;
  return { timeMs: wall - (offsetMin ?? 0) * 60_000, offsetMin };
};

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?$/;

/** ISO 8601 date-time, with `Z`, an offset, or no zone (then read in `zone`). Null when it is not one. */
export const parseIsoTime = (s: string, zone: ZoneOffset): ParsedTime | null => {
  const m = ISO.exec(s);
  if (!m) return null;
  const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((x) => (x === undefined ? 0 : Number(x))) as [number, number, number, number, number, number];
  if (!validWall(mo - 1, d, h, mi, sec)) return null;
  const fracMs = m[7] === undefined ? 0 : Number(`0.${m[7]}`) * 1000;
  const wall = Date.UTC(y, mo - 1, d, h, mi, sec) + fracMs;
  const z = m[8];
  if (z === undefined) {
    const off = zone(wall);
    return { timeMs: wall - off * 60_000, offsetMin: null };
  }
  if (z === 'Z' || z === 'z' || z === 'UTC') return { timeMs: wall, offsetMin: 0 };
  const sign = z[0] === '-' ? -1 : 1;
  const rest = z.slice(1).replace(':', '');
  const offsetMin = sign * (Number(rest.slice(0, 2)) * 60 + (rest.length > 2 ? Number(rest.slice(2, 4)) : 0));
  return { timeMs: wall - offsetMin * 60_000, offsetMin };
};

/**
 * Epoch time by magnitude: seconds (nginx `$msec`, with a fraction), ms (13
 * digits), µs (16) or ns (19). Null for values before 1973 or after 5138 (not a
 * plausible log time in any unit).
 */
export const parseEpoch = (n: number): ParsedTime | null => {
  if (!Number.isFinite(n) || n <= 0) return null;
  let ms: number;
  if (n < 1e11) ms = n * 1000;
  else if (n < 1e14) ms = n;
  else if (n < 1e17) ms = n / 1000;
  else ms = n / 1e6;
  if (ms < 1e11 || ms > 1e14) return null;
  // Binary fractions of seconds (1709539202.25 * 1000) land a hair off: keep microseconds.
  return { timeMs: round3(ms), offsetMin: 0 };
};

const NUMERIC = /^\d+(\.\d+)?$/;

/** Any of the forms above (numbers, numeric strings, CLF, ISO). Null when none fits. */
export const parseAnyTime = (v: unknown, zone: ZoneOffset): ParsedTime | null => {
  if (typeof v === 'number') return parseEpoch(v);
  if (typeof v !== 'string') return null;
  const s = v.trim();
  if (NUMERIC.test(s)) return parseEpoch(Number(s));
  if (s.startsWith('[') && s.endsWith(']')) return parseClfTime(s.slice(1, -1));
  return parseClfTime(s) ?? parseIsoTime(s, zone);
};

const FIXED = /^(?:UTC|GMT|Z)?([+-])(\d{1,2})(?::?(\d{2}))?$/;

/**
 * The offset function of a zone: `UTC`, a fixed offset (`+02:00`, `-0500`,
 * `UTC+1`) or an IANA name (`Europe/Paris`, DST-aware). Throws an InputError
 * naming `field` for an unknown zone.
 */
export const zoneOffset = (tz: string | undefined, field = '--timezone'): ZoneOffset => {
  const name = (tz ?? 'UTC').trim();
  if (name === '' || /^(utc|gmt|z)$/i.test(name)) return () => 0;
  const fixed = FIXED.exec(name);
  if (fixed) {
    const off = (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 60 + Number(fixed[3] ?? 0));
    return () => off;
  }
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: name, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
  } catch (e) {
    throw inputError(field, `unknown timezone ${JSON.stringify(name)} (${(e as Error).message})`, {
      hint: 'give an IANA name such as Europe/Paris or America/New_York, UTC, or an offset such as +02:00',
    });
  }
  // Offset at an instant: the zone's wall clock read back as if it were UTC, minus the instant.
  const offsetAt = (instantMs: number): number => {
    const p: Record<string, number> = {};
    for (const part of fmt.formatToParts(instantMs)) if (part.type !== 'literal') p[part.type] = Number(part.value);
    const wall = Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
    return Math.round((wall - Math.floor(instantMs / 1000) * 1000) / 60_000);
  };
  const cache = new Map<number, number>();
  return (wallMs) => {
    const key = Math.floor(wallMs / 3_600_000);
    let off = cache.get(key);
    if (off === undefined) {
      // Two rounds settle the offset except inside a DST gap or overlap, where either reading is acceptable.
      off = offsetAt(wallMs - offsetAt(wallMs) * 60_000);
      if (cache.size > 100_000) cache.clear();
      cache.set(key, off);
    }
    return off;
  };
};
