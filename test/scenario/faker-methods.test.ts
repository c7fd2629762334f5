/**
 * The static list of faker methods (src/scenario/faker-methods.ts) that scenarios are
 * validated against must match the installed faker. With UPDATE_FAKER_METHODS=1
 * this test rewrites the file instead.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { faker } from '@faker-js/faker';
import { PACKAGE_ROOT } from '../../src/core/paths.js';

const liveMethods = (): Record<string, string[]> => {
  const mods: Record<string, string[]> = {};
  const f = faker as unknown as Record<string, unknown>;
  for (const k of Object.keys(f).sort()) {
    const v = f[k];
    if (k.startsWith('_') || k === 'fakerCore' || typeof v !== 'object' || v === null) continue;
    const names = new Set<string>();
    for (let p: object | null = v; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
      for (const n of Object.getOwnPropertyNames(p)) {
        if (n !== 'constructor' && !n.startsWith('_') && typeof (v as Record<string, unknown>)[n] === 'function') names.add(n);
      }
    }
    if (names.size > 0) mods[k] = [...names].sort();
  }
  return mods;
};

const liveLocales = (): string[] =>
  readdirSync(join(PACKAGE_ROOT, 'node_modules/@faker-js/faker/dist/locale'))
    .filter((f) => f.endsWith('.js') && f !== 'base.js')
    .map((f) => f.replace(/\.js$/, ''))
    .sort();

const quote = (xs: string[]): string => `[${xs.map((x) => `'${x}'`).join(', ')}]`;

const render = (): string =>
  [
    '/**',
    ' * The faker methods and locales a scenario may name, so scenarios are validated',
    ' * at load without importing faker (~0.4 s). Generated from the installed',
    ' * @faker-js/faker; test/data/faker-methods.test.ts fails when it drifts.',
    ' * Regenerate: UPDATE_FAKER_METHODS=1 npx vitest run test/data/faker-methods.test.ts',
    ' */',
    '',
    '/** Module → method names (e.g. `person` → `fullName`). */',
    'export const FAKER_METHODS: Record<string, readonly string[]> = {',
    ...Object.entries(liveMethods()).map(([k, v]) => `  ${k}: ${quote(v)},`),
    '};',
    '',
    '/** Locales (`@faker-js/faker/locale/NAME`). */',
    `export const FAKER_LOCALES: readonly string[] = ${quote(liveLocales())};`,
    '',
  ].join('\n');

describe('faker method list', () => {
  it('matches the installed @faker-js/faker', () => {
    const file = join(PACKAGE_ROOT, 'src/scenario/faker-methods.ts');
    if (process.env.UPDATE_FAKER_METHODS === '1') writeFileSync(file, render());
    expect(readFileSync(file, 'utf8'), 'run UPDATE_FAKER_METHODS=1 npx vitest run test/data/faker-methods.test.ts').toBe(render());
  });
});
