/**
 * Shared set-up of the end-to-end profile tests: the built CLI, the demo's
 * default database (its embedded PostgreSQL server, no DATABASE_URL) under
 * the demo tests' cache directory (so the dataset is generated and loaded
 * once for all of them), and a scratch working directory. The tests run one
 * at a time: they share the cache's first cluster slot.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt } from '../helpers/cli.js';
import { TEST_CACHE_DIR } from './helpers.js';

export { BIN, CLI } from '../helpers/cli.js';

export interface E2eContext { env: NodeJS.ProcessEnv; cwd: string; done: () => Promise<void> }

/** Builds the CLI when stale and creates the working directory. */
export const e2eSetup = (): Promise<E2eContext> => {
  ensureBuilt();
  const cwd = mkdtempSync(join(tmpdir(), 'prodshape-e2e-'));
  const env: NodeJS.ProcessEnv = { ...process.env, PRODSHAPE_CACHE_DIR: TEST_CACHE_DIR, NO_COLOR: '1' };
  // The first-run path as a user gets it: the embedded PostgreSQL server, the default dataset (scale 10).
  delete env.DATABASE_URL;
  delete env.PRODSHAPE_DEMO_SCALE;
  return Promise.resolve({
    env, cwd,
    done: () => {
      rmSync(cwd, { recursive: true, force: true });
      return Promise.resolve();
    },
  });
};
