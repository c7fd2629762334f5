/**
 * The project's shared folder (../shared beside the checkout): real data for
 * tests, which is read in place and never copied into the project.
 * PRODSHAPE_SHARED_DIR overrides the location.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PACKAGE_ROOT } from '../../src/core/paths.js';

export const sharedDir = (): string => resolve(process.env.PRODSHAPE_SHARED_DIR ?? join(PACKAGE_ROOT, '..', 'shared'));

/** Path of a file in ../shared/data; throws with a clear message when it is missing. */
export const sharedDataFile = (name: string): string => {
  const file = join(sharedDir(), 'data', name);
  if (!existsSync(file)) throw new Error(`test data ${file} not found: the tests expect ../shared beside the checkout (or set PRODSHAPE_SHARED_DIR)`);
  return file;
};
