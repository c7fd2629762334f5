/**
 * Real data for tests that the repository does not hold: `data/apache_logs.log`,
 * 10,000 lines of a real web server's Apache combined log (17–20 May 2015, from
 * elastic/examples, Apache License 2.0). CI lays the folder that holds it
 * (`shared`) beside the checkout; it is read in place, never copied into the
 * project. PRODSHAPE_SHARED_DIR overrides the location. It also holds the
 * tools the tests run, such as a real k6 (`k6Binary` below).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PACKAGE_ROOT } from '../../src/core/paths.js';

export const sharedDir = (): string => resolve(process.env.PRODSHAPE_SHARED_DIR ?? join(PACKAGE_ROOT, '..', 'shared'));

/** Path of a test-data file (in the `data` folder of `sharedDir()`); throws with a clear message when it is missing. */
export const sharedDataFile = (name: string): string => {
  const file = join(sharedDir(), 'data', name);
  if (!existsSync(file)) throw new Error(`test data ${file} not found: the tests expect ../shared beside the checkout (or set PRODSHAPE_SHARED_DIR)`);
  return file;
};

/**
 * A real k6 (v0.47.0, linux/amd64) for the tests that run exported scripts:
 * `tools/k6/get-k6` in `sharedDir()` unpacks it into test/tmp/k6 once (a second
 * call is instant) and prints its path. `{ skip }` says why there is none;
 * under `npm run ci` (PRODSHAPE_REQUIRE_TEST_DEPS=1) that throws instead, so a
 * missing k6 fails the suite rather than skipping it.
 */
export const k6Binary = (): { path: string; skip: null } | { path: null; skip: string } => {
  const missing = (reason: string): { path: null; skip: string } => {
    if (process.env.PRODSHAPE_REQUIRE_TEST_DEPS === '1') throw new Error(`k6 is required (PRODSHAPE_REQUIRE_TEST_DEPS=1): ${reason}`);
    return { path: null, skip: reason };
  };
  if (process.platform !== 'linux' || process.arch !== 'x64') return missing(`the test k6 is a linux/amd64 binary; this is ${process.platform}/${process.arch}`);
  const getK6 = join(sharedDir(), 'tools', 'k6', 'get-k6');
  if (!existsSync(getK6)) return missing(`${getK6} not found: the tests expect ../shared beside the checkout (or set PRODSHAPE_SHARED_DIR)`);
  try {
    const out = execFileSync(getK6, [join(PACKAGE_ROOT, 'test', 'tmp', 'k6')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
    const path = out.trim().split('\n').pop() ?? '';
    if (!existsSync(path)) return missing(`${getK6} printed ${JSON.stringify(out.trim())}, not a k6 binary`);
    return { path, skip: null };
  } catch (e) {
    const x = e as { stderr?: string; message?: string };
    return missing(`${getK6} failed: ${(x.stderr ?? x.message ?? String(e)).trim()}`);
  }
};
