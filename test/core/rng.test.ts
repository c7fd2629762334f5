/**
 * The seeded generator (sfc32 seeded by SHA-256 of `seed/stream`): the same
 * seed and stream give the same draws, different streams and seeds give
 * unrelated ones, and the draws are uniform on [0, 1). Uniformity is a
 * chi-square test over 64 equal bins of 640,000 draws (df 63, critical value
 * 103.4 at significance 0.001); independence of successive draws and of two
 * streams is the same test over a 16 x 16 grid of pairs (df 255, critical
 * value 315.3 at 0.001). Seeds are fixed, so the verdicts are too; a biased
 * source shows the tests can fail.
 */
import { describe, expect, it } from 'vitest';
import { createRng, randInt, sfc32, type Rng } from '../../src/core/rng.js';

const N = 640_000;
const CHI2_63_AT_0_001 = 103.4;
const CHI2_255_AT_0_001 = 315.3;

/** Pearson's chi-square of observed counts against equal expected counts. */
const chiSquare = (counts: number[]): number => {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
};

const bins64 = (rng: Rng): number[] => {
  const counts = new Array<number>(64).fill(0);
  for (let i = 0; i < N; i++) {
    const x = rng();
    if (!(x >= 0 && x < 1)) throw new Error(`draw out of [0, 1): ${x}`);
    counts[Math.floor(x * 64)]! += 1;
  }
  return counts;
};

/** Counts of (a, b) pairs in a 16 x 16 grid. */
const pairs256 = (a: Rng, b: Rng): number[] => {
  const counts = new Array<number>(256).fill(0);
  for (let i = 0; i < N; i++) counts[randInt(a, 16) * 16 + randInt(b, 16)]! += 1;
  return counts;
};

describe('createRng', () => {
  it('gives the same draws for the same seed and stream, others for another seed or stream', () => {
    const draw = (seed: number | string, stream: string): number[] => {
      const r = createRng(seed, stream);
      return Array.from({ length: 1000 }, () => r());
    };
    const a = draw(42, 'orders/chunk-3');
    expect(draw(42, 'orders/chunk-3')).toEqual(a);
    expect(draw('42', 'orders/chunk-3')).toEqual(a);
    for (const other of [draw(43, 'orders/chunk-3'), draw(42, 'orders/chunk-4'), draw(42, '')]) {
      expect(other.filter((x, i) => x === a[i]).length).toBeLessThan(3);
    }
  });

  it.each([[42, 'data/ages'], [1, ''], ['seed', 'arrivals/GET /a'], [7, 'requests/x'], [0, 'tracked-tenants']])(
    'is uniform over 64 bins (seed %s, stream %s)', (seed, stream) => {
      expect(chiSquare(bins64(createRng(seed, stream)))).toBeLessThan(CHI2_63_AT_0_001);
    });

  it('draws successive values and two streams independently (pairs over a 16 x 16 grid)', () => {
    const r = createRng(42, 'serial');
    expect(chiSquare(pairs256(r, r))).toBeLessThan(CHI2_255_AT_0_001);
    expect(chiSquare(pairs256(createRng(42, 'a'), createRng(42, 'b')))).toBeLessThan(CHI2_255_AT_0_001);
    // Neighbouring seeds' streams, the case a weak seed hash would correlate.
    expect(chiSquare(pairs256(createRng(1, 'x'), createRng(2, 'x')))).toBeLessThan(CHI2_255_AT_0_001);
  });

  it('the tests fail on a biased or correlated source', () => {
    const r = createRng(42, 'bias');
    expect(chiSquare(bins64(() => r() ** 1.01))).toBeGreaterThan(CHI2_63_AT_0_001);
    // The same stream read twice: every pair on the diagonal.
    const same = (): Rng => createRng(42, 'same');
    expect(chiSquare(pairs256(same(), same()))).toBeGreaterThan(CHI2_255_AT_0_001);
    // sfc32 from an all-zero state without the warm-up starts with a run of tiny values.
    const cold = sfc32(0, 0, 0, 0);
    expect(Array.from({ length: 4 }, () => cold()).every((x) => x < 1e-6)).toBe(true);
  });
});
