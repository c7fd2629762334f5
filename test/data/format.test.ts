/** The hot-path encoders agree with the slow, obviously right ones. */
import { describe, expect, it } from 'vitest';
import { csvField, formatFixed, formatTimestamp } from '../../src/data/format.js';
import { createRng } from '../../src/core/rng.js';
import { cellHash, cellKey, unit } from '../../src/data/random.js';

describe('encoders', () => {
  it('format timestamps like Date.toISOString, to the second', () => {
    const rng = createRng(1, 'ts');
    for (let k = 0; k < 20_000; k++) {
      const ms = Math.floor((rng() * 2 - 0.5) * 4e12);
      expect(formatTimestamp(ms)).toBe(`${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`);
    }
  });

  it('format fixed decimals like toFixed on the rounded value', () => {
    const rng = createRng(1, 'fixed');
    for (let k = 0; k < 20_000; k++) {
      const x = (rng() - 0.5) * 10 ** Math.floor(rng() * 8);
      for (const d of [0, 1, 2, 4]) {
        const expected = (Math.round(Math.abs(x) * 10 ** d) / 10 ** d).toFixed(d);
        expect(formatFixed(x, d)).toBe(x < 0 && Number(expected) !== 0 ? `-${expected}` : expected);
      }
    }
    expect(formatFixed(-0.001, 2)).toBe('0.00');
    expect(formatFixed(-0.4, 0)).toBe('0');
    expect(formatFixed(41.5, 2)).toBe('41.50');
  });

  it('quote CSV fields only when needed', () => {
    expect(['plain', 'a,b', 'say "hi"', 'x\ny', '', '\\.', ' sp '].map(csvField)).toEqual(['plain', '"a,b"', '"say ""hi"""', '"x\ny"', '""', '"\\."', ' sp ']);
  });

  it('draw uniform cells: 10 equal bins within 4 standard errors', () => {
    const key = cellKey(1, 't', 'c');
    const n = 200_000;
    const bins = new Array<number>(10).fill(0);
    for (let i = 0; i < n; i++) {
      const b = Math.floor(unit(cellHash(key, i)) * 10);
      bins[b] = (bins[b] ?? 0) + 1;
    }
    for (const b of bins) expect(Math.abs(b / n - 0.1)).toBeLessThan(4 * Math.sqrt(0.09 / n));
  });
});
