/**
 * Real data for tests that the repository does not hold: `data/apache_logs.log`,
 * 10,000 lines of a real web server's Apache combined log (17–20 May 2015, from
 * elastic/examples, Apache License 2.0). CI lays the folder that holds it
 * (`shared`) beside the checkout; it is read in place, never copied into the
 * project. PRODSHAPE_SHARED_DIR overrides the location.
 */
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
