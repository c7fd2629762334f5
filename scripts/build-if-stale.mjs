/**
 * Builds dist/ from src/ (`npm run build`) when dist/ is missing or older than
 * any file in src/. Only a clone of the repository has src/: a published
 * package ships dist/ and neither src/ nor this script. Used by the
 * `prodshape` launcher (bin/prodshape.js) on first use after `npm ci`, and by
 * the test suite before its first file runs.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Newest modification time (ms since epoch) of any file under `dir`. */
const newestMs = (dir) => {
  let max = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    max = Math.max(max, e.isDirectory() ? newestMs(p) : statSync(p).mtimeMs);
  }
  return max;
};

/**
 * Builds `root`'s dist/ when it is stale; the compiler's output goes to stderr,
 * so a command's stdout (its JSON, say) stays clean. Returns true when it built.
 * @param {string} root the package root (holds src/, dist/, package.json)
 * @param {(line: string) => void} [say] told once, before a build starts
 * @returns {boolean}
 */
export const buildIfStale = (root, say = () => {}) => {
  let builtMs = 0;
  try {
    builtMs = statSync(join(root, 'dist', 'cli', 'main.js')).mtimeMs;
  } catch (e) {
    if (e.code !== 'ENOENT') throw e;
  }
  if (builtMs >= newestMs(join(root, 'src'))) return false;
  say('prodshape: building dist/ from src/ (a clone of the repository; takes a few seconds)');
  execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
  return true;
};
