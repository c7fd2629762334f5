/**
 * Counter-based randomness for rows: every cell's random draw is a pure
 * function of (seed, table, column, row index), so any row range can be made
 * on its own, in any order, by any worker, and the bytes never depend on
 * chunk size or worker count. Setup draws (ages, rank order, faker pools) use
 * the seeded alea streams of core/rng.ts instead.
 *
 * The mixer is a 32-bit integer hash (two xorshift-multiply rounds, constants
 * from Wellons' hash-prospector, bias ≈ 0.1), applied twice with independent
 * keys per column. Row indexes must stay below 2^32.
 */

/** A 32-bit integer mixer: a bijection on [0, 2^32) with good avalanche. */
export const mix32 = (x: number): number => {
  x ^= x >>> 16;
  x = Math.imul(x, 0x21f0aaad);
  x ^= x >>> 15;
  x = Math.imul(x, 0x735a2d97);
  x ^= x >>> 15;
  return x >>> 0;
};

/** 32-bit hash of a string (FNV-1a over UTF-16 code units, then mixed), with a salt. */
export const hashString = (text: string, salt = 0): number => {
  let h = (0x811c9dc5 ^ salt) >>> 0;
  for (let k = 0; k < text.length; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
  return mix32(h ^ Math.imul(salt, 0x9e3779b9));
};

/** Two independent 32-bit keys naming one random stream of cells. */
export interface CellKey {
  k1: number;
  k2: number;
}

/** The key of a stream named by `parts` (table, column, purpose) under `seed`. */
export const cellKey = (seed: number | string, ...parts: string[]): CellKey => {
  const name = [String(seed), ...parts].join('\u0000');
  return { k1: hashString(name, 1), k2: hashString(name, 2) };
};

/** Uniform 32-bit draw of row `i` (0 ≤ i < 2^32) in the stream `key`. */
export const cellHash = (key: CellKey, i: number): number => mix32(mix32((i ^ key.k1) >>> 0) ^ key.k2);

/** Next independent 32-bit draw after `h` (for cells needing several). */
export const nextHash = (h: number): number => mix32((h ^ 0x9e3779b9) >>> 0);

/** Maps a 32-bit draw to the open interval (0, 1). */
export const unit = (h: number): number => (h + 0.5) * 2.3283064365386963e-10;
