/**
 * scripts/long-functions.mjs, the size check of docs/design.md ("no function
 * over ~80 lines outside the hot path"): it counts what it should.
 */
import { describe, expect, it } from 'vitest';
import { functionsOf } from '../../scripts/long-functions.mjs';

const body = (n: number): string => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join('\n');

describe('long-functions script', () => {
  it('counts declarations, arrows, methods and nested functions on their own', () => {
    const text = [
      `function outer() {`, // body: lines 1..8
      `  const inner = () => {`, // body: lines 2..5
      body(2),
      `  };`, // line 5
      `  class C { m() {`, // body: lines 6..7
      `  } }`,
      `}`,
      `const expr = (x: number) =>`,
      `  x + 1;`,
    ].join('\n');
    const sizes = functionsOf('f.ts', text).map((f) => [f.name, f.line, f.lines]);
    expect(sizes).toEqual([
      ['outer', 1, 8],
      ['inner', 2, 4],
      ['m', 6, 2],
      ['expr', 10, 1],
    ]);
  });
});
