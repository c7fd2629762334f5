/**
 * Seeded random sources. Every random choice prodshape makes (data, arrivals,
 * tenant picks) comes from one of these, so a seed reproduces a run's inputs
 * exactly.
 *
 * The generator is sfc32 (Chris Doty-Humphrey's Small Fast Chaotic PRNG from
 * PractRand: 128 bits of state, 32-bit output, passes PractRand and TestU01's
 * BigCrush), inlined here because it is a dozen lines. Its state comes from
 * the first 16 bytes of SHA-256 of `seed/stream`, so every stream name gets
 * 128 independent seed bits (no 32-bit seed collisions between streams), and
 * the first 12 outputs are thrown away as PractRand's own seeding does.
 * Outputs are multiples of 2^-32 on [0, 1). docs/benchmarks.md ("Random
 * numbers") has why this and not pure-rand: it is faster for our use.
 */
import { createHash } from 'node:crypto';

/** A uniform random source on [0, 1). */
export type Rng = () => number;

const TWO_POW_32 = 4294967296;
const WARM_UP_DRAWS = 12;

/** sfc32 on four 32-bit words of state; each call returns a uniform double on [0, 1) with 32 random bits. */
export const sfc32 = (a0: number, b0: number, c0: number, d0: number): Rng => {
  let a = a0 | 0;
  let b = b0 | 0;
  let c = c0 | 0;
  let d = d0 | 0;
  return () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / TWO_POW_32;
  };
};

/**
 * Creates a seeded source. `stream` names an independent sub-stream, so adding
 * draws to one part of the program never shifts another's (e.g. `orders/chunk-3`).
 */
export const createRng = (seed: number | string, stream = ''): Rng => {
  const h = createHash('sha256').update(`${seed}/${stream}`).digest();
  const rng = sfc32(h.readUInt32LE(0), h.readUInt32LE(4), h.readUInt32LE(8), h.readUInt32LE(12));
  for (let k = 0; k < WARM_UP_DRAWS; k++) rng();
  return rng;
};

/** Uniform integer in [0, n). */
export const randInt = (rng: Rng, n: number): number => Math.floor(rng() * n);

/** Exponential variate with the given mean (inverse CDF; never returns Infinity). */
export const randExp = (rng: Rng, mean: number): number => -Math.log(1 - rng()) * mean;

/** Standard normal variate (Box–Muller, one of the pair). */
export const randNormal = (rng: Rng): number => {
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
};

/** Seeded Fisher–Yates shuffle of `items`, in place; returns the same array. */
export const shuffleInPlace = <T>(rng: Rng, items: T[]): T[] => {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randInt(rng, i + 1);
    const tmp = items[i] as T;
    items[i] = items[j] as T;
    items[j] = tmp;
  }
  return items;
};
