/**
 * PostgreSQL's binary COPY format, written straight into a byte buffer: the
 * server skips text parsing (timestamps, numerics, CSV quoting), which makes
 * loading markedly faster than CSV, and the client skips number formatting.
 *
 * Format (PostgreSQL docs, "COPY", Binary Format): a header, then per tuple an
 * int16 field count and per field an int32 length (-1 = NULL) and the bytes
 * of the type's binary send format, then an int16 -1 trailer. Only the types
 * below are encoded; a table with any other column type is loaded as CSV.
 */

/** Types with a binary encoder here. */
export type BinType = 'int2' | 'int4' | 'int8' | 'numeric' | 'float4' | 'float8' | 'bool' | 'text' | 'uuid' | 'timestamptz' | 'timestamp' | 'date';

/** The binary COPY header (signature, flags, header extension length). */
export const COPY_BINARY_HEADER = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
/** The binary COPY trailer (field count -1). */
export const COPY_BINARY_TRAILER = Buffer.from([0xff, 0xff]);

const TYPES: [RegExp, BinType][] = [
  [/^(int8|bigint)$/, 'int8'],
  [/^(int4|int|integer)$/, 'int4'],
  [/^(int2|smallint)$/, 'int2'],
  [/^(numeric|decimal)(\(\s*\d+\s*(,\s*\d+\s*)?\))?$/, 'numeric'],
  [/^(float8|double precision)$/, 'float8'],
  [/^(float4|real)$/, 'float4'],
  [/^(bool|boolean)$/, 'bool'],
  [/^(text|varchar|character varying|char|character|bpchar)(\(\s*\d+\s*\))?$/, 'text'],
  [/^uuid$/, 'uuid'],
  [/^(timestamptz|timestamp with time zone|timestamp(\(\d\))? with time zone)$/, 'timestamptz'],
  [/^(timestamp|timestamp without time zone|timestamp(\(\d\))?( without time zone)?)$/, 'timestamp'],
  [/^date$/, 'date'],
];

/** The binary type of an SQL type name (as written in a scenario or by format_type), or null. */
export const binTypeOf = (sqlType: string): BinType | null => {
  const t = sqlType.trim().toLowerCase().replace(/\s+/g, ' ');
  for (const [re, b] of TYPES) if (re.test(t)) return b;
  return null;
};

/** A growing output buffer with a DataView for big-endian writes. */
export interface BinOut {
  u8: Buffer;
  dv: DataView;
  pos: number;
}

export const binOut = (bytes: number): BinOut => {
  // Power-of-two sizes let malloc reuse freed chunk buffers (see rows.ts).
  const u8 = Buffer.allocUnsafe(2 ** Math.ceil(Math.log2(Math.max(65_536, bytes))));
  return { u8, dv: new DataView(u8.buffer, u8.byteOffset, u8.byteLength), pos: 0 };
};

/** Makes room for `n` more bytes. */
export const ensure = (o: BinOut, n: number): void => {
  if (o.pos + n <= o.u8.length) return;
  const bigger = Buffer.allocUnsafe(2 ** Math.ceil(Math.log2(o.pos + n)));
  bigger.set(o.u8.subarray(0, o.pos));
  o.u8 = bigger;
  o.dv = new DataView(bigger.buffer, bigger.byteOffset, bigger.byteLength);
};

const TWO32 = 4294967296;
/** PostgreSQL's epoch (2000-01-01) in Unix ms. */
const PG_EPOCH_MS = 946_684_800_000;

/** Writes a field of the int64 `v` (|v| < 2^53). */
export const putInt8 = (o: BinOut, v: number): void => {
  const hi = Math.floor(v / TWO32);
  o.dv.setInt32(o.pos, 8);
  o.dv.setInt32(o.pos + 4, hi);
  o.dv.setUint32(o.pos + 8, v - hi * TWO32);
  o.pos += 12;
};

export const putInt4 = (o: BinOut, v: number): void => {
  o.dv.setInt32(o.pos, 4);
  o.dv.setInt32(o.pos + 4, v);
  o.pos += 8;
};

export const putInt2 = (o: BinOut, v: number): void => {
  o.dv.setInt32(o.pos, 2);
  o.dv.setInt16(o.pos + 4, v);
  o.pos += 6;
};

export const putFloat8 = (o: BinOut, v: number): void => {
  o.dv.setInt32(o.pos, 8);
  o.dv.setFloat64(o.pos + 4, v);
  o.pos += 12;
};

export const putFloat4 = (o: BinOut, v: number): void => {
  o.dv.setInt32(o.pos, 4);
  o.dv.setFloat32(o.pos + 4, v);
  o.pos += 8;
};

export const putNull = (o: BinOut): void => {
  o.dv.setInt32(o.pos, -1);
  o.pos += 4;
};

/** Writes pre-encoded field bytes (length prefix included). */
export const putBytes = (o: BinOut, field: Uint8Array): void => {
  o.u8.set(field, o.pos);
  o.pos += field.length;
};

/** Writes a timestamp (with or without time zone: both are µs since 2000-01-01) of epoch `ms`. */
export const putTimestamp = (o: BinOut, ms: number): void => putInt8(o, (ms - PG_EPOCH_MS) * 1000);

/** Writes a date of epoch `ms` (days since 2000-01-01, UTC). */
export const putDate = (o: BinOut, ms: number): void => putInt4(o, Math.floor((ms - PG_EPOCH_MS) / 86_400_000));

/** Writes a UUID from four 32-bit words (version 4 and variant bits set, as formatUuid does). */
export const putUuid = (o: BinOut, a: number, b: number, c: number, d: number): void => {
  o.dv.setInt32(o.pos, 16);
  o.dv.setUint32(o.pos + 4, a);
  o.dv.setUint32(o.pos + 8, ((b & 0xffff0fff) | 0x4000) >>> 0);
  o.dv.setUint32(o.pos + 12, ((c & 0x3fffffff) | 0x80000000) >>> 0);
  o.dv.setUint32(o.pos + 16, d);
  o.pos += 20;
};

/** Most bytes a numeric field takes here (values below 1e16 with up to 9 decimals). */
export const NUMERIC_MAX_BYTES = 4 + 8 + 2 * 8;
// Enough groups for any finite double (10^308) with 9 decimals.
const groups = new Int32Array(96);

/**
 * Writes `x` rounded to `dscale` decimals as a numeric: base-10000 digits
 * with a weight (position of the first group), leading and trailing zero
 * groups dropped as PostgreSQL does; `dscale` keeps the displayed decimals.
 */
export const putNumeric = (o: BinOut, x: number, dscale: number): void => {
  const scale = 10 ** dscale;
  const c = Math.round(Math.abs(x) * scale);
  const whole = Math.floor(c / scale);
  const fracGroups = Math.ceil(dscale / 4);
  let frac = (c - whole * scale) * 10 ** (fracGroups * 4 - dscale);
  let n = 0;
  let w = whole;
  // Integer groups, least significant first, then reversed into place.
  while (w > 0) {
    groups[n++] = w % 10_000;
    w = Math.floor(w / 10_000);
  }
  const intGroups = n;
  for (let k = 0; k < intGroups >> 1; k++) {
    const t = groups[k] ?? 0;
    groups[k] = groups[intGroups - 1 - k] ?? 0;
    groups[intGroups - 1 - k] = t;
  }
  for (let k = fracGroups - 1; k >= 0; k--) {
    groups[intGroups + k] = frac % 10_000;
    frac = Math.floor(frac / 10_000);
  }
  n = intGroups + fracGroups;
  let first = 0;
  let weight = intGroups - 1;
  while (first < n && groups[first] === 0) {
    first++;
    weight--;
  }
  while (n > first && groups[n - 1] === 0) n--;
  const ndigits = n - first;
  if (ndigits === 0) weight = 0;
  // Room was ensured for values below 1e16; bigger ones make room here.
  if (ndigits > 8) ensure(o, 12 + 2 * ndigits);
  o.dv.setInt32(o.pos, 8 + 2 * ndigits);
  o.dv.setInt16(o.pos + 4, ndigits);
  o.dv.setInt16(o.pos + 6, weight);
  o.dv.setUint16(o.pos + 8, x < 0 && ndigits > 0 ? 0x4000 : 0);
  o.dv.setInt16(o.pos + 10, dscale);
  for (let k = 0; k < ndigits; k++) o.dv.setInt16(o.pos + 12 + 2 * k, groups[first + k] ?? 0);
  o.pos += 12 + 2 * ndigits;
};

/** Decimals of a number's text (`41.50` → 2), for numerics from pooled values. */
const decimalsOf = (s: string): number => (/\.(\d+)$/.exec(s)?.[1]?.length ?? 0);

/**
 * One value (text, number, boolean or null; timestamps as ISO text) as a
 * whole binary field of `type`, or null when it does not convert (then the
 * table is loaded as CSV and PostgreSQL judges the value).
 */
export const encodeField = (v: string | number | boolean | null, type: BinType): Uint8Array | null => {
  const small = Buffer.alloc(64);
  const o: BinOut = { u8: small, dv: new DataView(small.buffer, small.byteOffset, small.byteLength), pos: 0 };
  if (v === null) {
    putNull(o);
    return o.u8.slice(0, o.pos);
  }
  const s = String(v);
  const num = typeof v === 'number' ? v : /^\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*$/.test(s) ? Number(s) : NaN;
  switch (type) {
    case 'text': {
      const bytes = Buffer.from(s, 'utf8');
      const field = Buffer.allocUnsafe(4 + bytes.length);
      field.writeInt32BE(bytes.length, 0);
      bytes.copy(field, 4);
      return field;
    }
    case 'int8':
    case 'int4':
    case 'int2': {
      const limit = type === 'int8' ? 2 ** 53 : type === 'int4' ? 2 ** 31 : 2 ** 15;
      if (!Number.isInteger(num) || num >= limit || num < -limit) return null;
      if (type === 'int8') putInt8(o, num);
      else if (type === 'int4') putInt4(o, num);
      else putInt2(o, num);
      break;
    }
    case 'numeric':
      if (!Number.isFinite(num) || Math.abs(num) >= 1e15) return null;
      putNumeric(o, num, typeof v === 'number' ? Math.min(9, decimalsOf(String(v))) : Math.min(9, decimalsOf(s)));
      break;
    case 'float8':
    case 'float4':
      if (!Number.isFinite(num)) return null;
      if (type === 'float8') putFloat8(o, num);
      else putFloat4(o, num);
      break;
    case 'bool': {
      const b = v === true || /^(t|true|yes|on|1)$/i.test(s) ? 1 : v === false || /^(f|false|no|off|0)$/i.test(s) ? 0 : -1;
      if (b < 0) return null;
      o.dv.setInt32(0, 1);
      o.u8[4] = b;
      o.pos = 5;
      break;
    }
    case 'uuid': {
      const hex = s.replace(/-/g, '');
      if (!/^[0-9a-fA-F]{32}$/.test(hex)) return null;
      o.dv.setInt32(0, 16);
      Buffer.from(hex, 'hex').copy(o.u8, 4);
      o.pos = 20;
      break;
    }
    case 'timestamptz':
    case 'timestamp':
    case 'date': {
      const ms = Date.parse(s);
      if (!Number.isFinite(ms) || !/^\d{4}-\d{2}-\d{2}/.test(s)) return null;
      if (type === 'date') putDate(o, ms);
      else putTimestamp(o, ms);
      break;
    }
  }
  return o.u8.slice(0, o.pos);
};
