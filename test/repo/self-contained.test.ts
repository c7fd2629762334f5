/**
 * The repository stands alone: nothing a reader gets with it (code, docs,
 * benchmarks, scripts, shipped profiles and scenarios, the README) may point
 * at documents or issue numbers that live outside it. Design and contracts
 * are in docs/design.md, algorithms and their sources in docs/algorithms.md.
 * Tests may still read real data from the folder beside the checkout
 * (test/helpers/shared.ts), so test/ is not scanned.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';

/** What a reader of the repository must be able to read: folders scanned recursively, and single files. */
const SCANNED = ['src', 'docs', 'bench', 'scripts', 'profiles', 'scenarios', 'README.md'];

/** References a reader cannot follow, each with what to write instead. */
const FOREIGN: { pattern: RegExp; instead: string }[] = [
  { pattern: /DESIGN\.md/, instead: 'docs/design.md' },
  { pattern: /REFERENCE\.md|REFERENCE §/, instead: 'docs/algorithms.md §N' },
  { pattern: /\.\.\/shared\/|\bshared\/report\.schema\.json/, instead: 'docs/report.schema.json, or the words themselves' },
  { pattern: /\bissues? +#?\d+/i, instead: 'what the feature is' },
];

/** Every file under `path` (a file or a folder), skipping dot-folders and node_modules. */
const filesUnder = (path: string): string[] => {
  const st = statSync(path, { throwIfNoEntry: false });
  if (st === undefined) return [];
  if (st.isFile()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .filter((e) => !e.name.startsWith('.') && e.name !== 'node_modules')
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => filesUnder(join(path, e.name)));
};

/** `file:line: text` for each line under `root`'s scanned paths that holds a foreign reference. */
const foreignReferences = (root: string): string[] =>
  SCANNED.flatMap((p) => filesUnder(join(root, p))).flatMap((file) =>
    readFileSync(file, 'utf8').split('\n').flatMap((line, i) => {
      const hit = FOREIGN.find((f) => f.pattern.test(line));
      return hit === undefined ? [] : [`${relative(root, file)}:${i + 1}: ${line.trim()} (instead: ${hit.instead})`];
    }));

describe('the repository stands alone', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'prodshape-selfcontained-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('finds each kind of foreign reference, with its file and line, and nothing in clean text', () => {
    mkdirSync(join(tmp, 'src', 'deep'), { recursive: true });
    mkdirSync(join(tmp, 'profiles'));
    mkdirSync(join(tmp, 'test'));
    writeFileSync(join(tmp, 'src', 'deep', 'a.ts'), [
      '/** Exit codes: see DESIGN.md. */',
      'const sql = `ALTER TABLE t ADD FOREIGN KEY (c) REFERENCES u (id)`;',
      '// Zipf sampling (REFERENCE §1).',
      '// the report (docs/design.md, docs/algorithms.md §5)',
      '// read ../shared/data/x.log',
    ].join('\n'));
    writeFileSync(join(tmp, 'README.md'), 'intro\nDone as issue 7 asked.\nsee REFERENCE.md\nan issue with 3 tenants\n');
    writeFileSync(join(tmp, 'profiles', 'p.yaml'), '# (Issue #12)\nname: p\n');
    writeFileSync(join(tmp, 'test', 't.test.ts'), '// reads ../shared/data (allowed in tests)\n');
    expect(foreignReferences(tmp).map((l) => l.split(': ')[0])).toEqual([
      'src/deep/a.ts:1',
      'src/deep/a.ts:3',
      'src/deep/a.ts:5',
      'profiles/p.yaml:1',
      'README.md:2',
      'README.md:3',
    ]);
  });

  it('has no reference to DESIGN.md, REFERENCE §, ../shared/ or issue numbers in src, docs, bench, scripts, profiles, scenarios or the README', () => {
    // The scan must see the repository, or an empty result would mean nothing.
    expect(SCANNED.flatMap((p) => filesUnder(join(PACKAGE_ROOT, p))).length).toBeGreaterThan(100);
    const found = foreignReferences(PACKAGE_ROOT);
    // Listed in the failure message so each can be fixed where it is.
    expect(found.join('\n'), `${found.length} foreign references:\n${found.join('\n')}`).toBe('');
  });
});
