/** Names fitted into a column stay distinct, never wider than it, unchanged when they fit. */
import { describe, expect, it } from 'vitest';
import { fitNames } from '../../src/report/fit-names.js';

const cols = (s: string): number => Array.from(s).length;

describe('fitNames', () => {
  it('keeps prefix-sharing names apart by their tails', () => {
    const names = ['get-tenants-tenant-orders', 'get-tenants-tenant-dashboard', 'list'];
    const fitted = fitNames(names, 18);
    expect(new Set(fitted).size).toBe(3);
    expect(fitted[2]).toBe('list');
    expect(fitted[0]).toMatch(/…-orders$/);
    expect(fitted[1]).toMatch(/dashboard$/);
    for (const f of fitted) expect(cols(f)).toBeLessThanOrEqual(18);
  });

  it('cuts at the end (as before) when that is already distinct; short names unchanged', () => {
    expect(fitNames(['get-tenants-tenant-orders', 'health'], 12)).toEqual(['get-tenants…', 'health']);
    expect(fitNames(['a', 'bb'], 2)).toEqual(['a', 'bb']);
  });

  it('never exceeds the width and stays distinct over many random prefix-sharing names', () => {
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const words = ['orders', 'order', 'dashboard', 'items', 'x', 'tenant', 'users', 'id'];
    for (let round = 0; round < 200; round++) {
      const names = [...new Set(Array.from({ length: 2 + Math.floor(rnd() * 8) }, () =>
        ['get-tenants', ...Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => words[Math.floor(rnd() * words.length)]!)].join('-')))];
      const w = 8 + Math.floor(rnd() * 20);
      const fitted = fitNames(names, w);
      for (const [i, f] of fitted.entries()) {
        expect(cols(f)).toBeLessThanOrEqual(w);
        if (cols(names[i]!) <= w) expect(f).toBe(names[i]);
      }
      expect(new Set(fitted).size, `${names.join(' ')} at ${w}`).toBe(names.length);
    }
  });

  it('counts code points and never splits a surrogate pair', () => {
    const fitted = fitNames(['🚀🚀🚀🚀🚀-orders', '🚀🚀🚀🚀🚀-dashboard'], 8);
    for (const f of fitted) {
      expect(cols(f)).toBeLessThanOrEqual(8);
      expect(f).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    }
    expect(fitted[0]).not.toBe(fitted[1]);
  });
});
