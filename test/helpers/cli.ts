/**
 * The built CLI for end-to-end tests: `CLI` is dist/cli/main.js, and
 * `ensureBuilt()` runs `npm run build` when dist/ is missing or older than any
 * source file, so test files share one build (and never test a stale one).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/core/paths.js';

/** The built CLI's entry point. */
export const CLI = join(PACKAGE_ROOT, 'dist', 'cli', 'main.js');

const newestMs = (dir: string): number => {
  let max = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    max = Math.max(max, e.isDirectory() ? newestMs(p) : statSync(p).mtimeMs);
  }
  return max;
};

/** Builds unless dist/ is newer than every file in src/. */
export const ensureBuilt = (): void => {
  let builtMs = 0;
  try {
    builtMs = statSync(CLI).mtimeMs;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (builtMs < newestMs(join(PACKAGE_ROOT, 'src'))) execFileSync('npm', ['run', '-s', 'build'], { cwd: PACKAGE_ROOT, stdio: 'inherit' });
};
