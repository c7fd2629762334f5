#!/usr/bin/env node
/**
 * The `prodshape` command. A published package ships dist/ and runs it. A
 * clone of the repository has no install script: the first run after
 * `npm ci` (and any run after a source file changed) builds dist/ from src/
 * first, so `npm ci && npx prodshape …` works from a clone.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
if (existsSync(join(root, 'src')) && existsSync(join(root, 'scripts', 'build-if-stale.mjs'))) {
  const { buildIfStale } = await import('../scripts/build-if-stale.mjs');
  buildIfStale(root, (line) => process.stderr.write(`${line}\n`));
}
await import('../dist/cli/main.js');
