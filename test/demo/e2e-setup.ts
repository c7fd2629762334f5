/**
 * Shared set-up of the end-to-end profile tests: the built CLI, a fresh
 * PostgreSQL database for the demo (DATABASE_URL), the dataset cache of the
 * demo tests and a scratch working directory.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { createTestDatabase } from '../helpers/pg.js';
import { TEST_CACHE_DIR } from './helpers.js';

export const CLI = join(PACKAGE_ROOT, 'dist', 'cli', 'main.js');

export interface E2eContext { env: NodeJS.ProcessEnv; cwd: string; done: () => Promise<void> }

/** Builds the CLI when missing, creates the database and the working directory. */
export const e2eSetup = async (): Promise<E2eContext> => {
  if (!existsSync(CLI)) expect(spawnSync('npm', ['run', '-s', 'build'], { cwd: PACKAGE_ROOT, stdio: 'inherit' }).status).toBe(0);
  const db = await createTestDatabase('demoe2e');
  const cwd = mkdtempSync(join(tmpdir(), 'prodshape-e2e-'));
  const env: NodeJS.ProcessEnv = {
    // The demo's default dataset on PostgreSQL (scale 10): the first-run path as a user gets it.
    ...process.env, DATABASE_URL: db.url, PRODSHAPE_CACHE_DIR: TEST_CACHE_DIR, NO_COLOR: '1',
  };
  return {
    env, cwd,
    done: async () => {
      rmSync(cwd, { recursive: true, force: true });
      await db.drop();
    },
  };
};
