/**
 * The layer rule of docs/design.md ("Layers"): a folder of src/ imports only
 * from its own folder and from folders below it in LAYERS, and no two files
 * of src/ import each other, directly or round a longer loop. Imports are read
 * with the TypeScript compiler's own pre-processor (static `import`/`export …
 * from`, `import type`, and `import()` with a literal path).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';

/** Bottom first. `.` is a file directly in src/ (the package's public API). Keep in step with docs/design.md. */
export const LAYERS = ['core', 'pg', 'run', 'scenario', 'data', 'traffic', 'engine', 'analyze', 'report', 'observe', 'k6', 'app', 'demo', 'cli', '.'];

const SRC = join(PACKAGE_ROOT, 'src');

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });

/** src-relative path of each file -> the src-relative paths it imports (relative imports only). */
const importGraph = (): Map<string, string[]> => {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = info.importedFiles
      .map((f) => f.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => relative(SRC, resolve(dirname(file), name)).replace(/\.js$/, '.ts'));
    graph.set(relative(SRC, file), targets);
  }
  return graph;
};

/** The layer a src-relative path belongs to: its first folder, or `.` for a file directly in src/. */
const layerOf = (path: string): string => (path.includes('/') ? path.slice(0, path.indexOf('/')) : '.');

/** Each import cycle once, as the files round it (first file repeated at the end). */
const cyclesOf = (graph: Map<string, string[]>): string[][] => {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      const s = state.get(next);
      if (s === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (s === undefined) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
};

describe('layers of src/', () => {
  const graph = importGraph();

  it('reads a real import graph (every folder of src/ is in LAYERS, and imports were found)', () => {
    const folders = new Set([...graph.keys()].map(layerOf));
    expect([...folders].filter((f) => !LAYERS.includes(f))).toEqual([]);
    expect([...graph.values()].flat().length).toBeGreaterThan(300);
  });

  it('no file imports from a layer above its own', () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      const from = LAYERS.indexOf(layerOf(file));
      for (const t of targets) {
        const to = LAYERS.indexOf(layerOf(t));
        if (to > from) upward.push(`${file} -> ${t} (${layerOf(file)} is below ${layerOf(t)})`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(cyclesOf(graph).map((c) => c.join(' -> '))).toEqual([]);
  });

  it('the cycle finder finds a loop of three (so the test above can fail)', () => {
    const g = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', ['a.ts']]]);
    expect(cyclesOf(g)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
  });
});
