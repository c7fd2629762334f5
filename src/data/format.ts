/**
 * Text encodings of cell values, written for the hot path: timestamps, fixed
 * decimals and UUIDs without Date objects or toFixed, and the CSV (RFC 4180,
 * as PostgreSQL COPY reads it) and JSON forms of strings.
 */

const DAY_MS = 86_400_000;
const TWO_DIGITS = Array.from({ length: 100 }, (_, k) => String(k).padStart(2, '0'));
const dayText = new Map<number, string>();

/** `YYYY-MM-DDTHH:MM:SSZ` of epoch ms (seconds precision, UTC). */
export const formatTimestamp = (ms: number): string => {
  const s = Math.floor(ms / 1000);
  const day = Math.floor(s / 86_400);
  let d = dayText.get(day);
  if (d === undefined) {
    d = new Date(day * DAY_MS).toISOString().slice(0, 11);
    dayText.set(day, d);
  }
  const sod = s - day * 86_400;
  const hh = Math.floor(sod / 3600);
  const mm = Math.floor((sod - hh * 3600) / 60);
  return `${d}${TWO_DIGITS[hh] ?? ''}:${TWO_DIGITS[mm] ?? ''}:${TWO_DIGITS[sod - hh * 3600 - mm * 60] ?? ''}Z`;
};

/** A number with exactly `decimals` digits after the point (round half away from zero), e.g. `41.50`. */
export const formatFixed = (x: number, decimals: number): string => {
  if (decimals === 0) return String(Math.round(x) + 0);
  const scale = 10 ** decimals;
  const c = Math.round(Math.abs(x) * scale);
  const whole = Math.floor(c / scale);
  const frac = String(c - whole * scale).padStart(decimals, '0');
  return `${x < 0 && c !== 0 ? '-' : ''}${whole}.${frac}`;
};

const HEX = Array.from({ length: 256 }, (_, k) => k.toString(16).padStart(2, '0'));
const hex32 = (h: number): string => (HEX[h >>> 24] ?? '') + (HEX[(h >>> 16) & 255] ?? '') + (HEX[(h >>> 8) & 255] ?? '') + (HEX[h & 255] ?? '');

/** A version-4 UUID text from four 32-bit words (version and variant bits set). */
export const formatUuid = (a: number, b: number, c: number, d: number): string => {
  const x = hex32(a);
  const y = hex32(((b & 0xffff0fff) | 0x4000) >>> 0);
  const z = hex32(((c & 0x3fffffff) | 0x80000000) >>> 0);
  return `${x}-${y.slice(0, 4)}-${y.slice(4)}-${z.slice(0, 4)}-${z.slice(4)}${hex32(d)}`;
};

/**
 * A string as a CSV field: quoted when it holds a comma, quote, CR or LF, is
 * empty (an unquoted empty field is NULL to COPY), or is `\.` (COPY's end marker).
 */
export const csvField = (s: string): string =>
  s === '' || s === '\\.' || /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;

/** Encodes a JS value as a CSV field (null → empty, unquoted). */
export const csvValue = (v: string | number | boolean | null): string => (v === null ? '' : csvField(String(v)));

/** Encodes a JS value as JSON (strings escaped; non-finite numbers → null). */
export const jsonValue = (v: string | number | boolean | null): string =>
  typeof v === 'number' && !Number.isFinite(v) ? 'null' : JSON.stringify(v);
