/**
 * Seeded random sources. Every random choice prodshape makes (data, arrivals,
 * tenant picks) comes from one of these, so a seed reproduces a run's inputs
 * exactly. `alea` from seedrandom: fast, 32-bit state, good statistics.
 */
import seedrandom from 'seedrandom';

/** A uniform random source on [0, 1). */
export type Rng = () => number;

/**
 * Creates a seeded source. `stream` names an independent sub-stream, so adding
 * draws to one part of the program never shifts another's (e.g. `orders/chunk-3`).
 */
export const createRng = (seed: number | string, stream = ''): Rng => {
  const prng = seedrandom.alea(`${seed}/${stream}`);
  return () => prng();
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
