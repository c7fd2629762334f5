/**
 * Runs once before any test file: builds the CLI (dist/) when it is older than
 * src/, so that files running in parallel never race to build it; and gives
 * the run a temporary directory of its own (TMPDIR, inherited by every test
 * worker and every process a test starts), removed when the run ends, so the
 * scratch directories and run directories of the tests (hundreds of
 * megabytes in all) are not left behind on a shared machine. Each vitest
 * project runs this setup: the first one makes the directory, the others
 * find it (PRODSHAPE_TEST_TMPDIR). It is searchable by other users (0711,
 * as /tmp is): the PostgreSQL servers the tests start as root run as the
 * `postgres` user, whose data directories lie below it.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt } from './cli.js';

export default function setup(): () => void {
  ensureBuilt();
  if (process.env.PRODSHAPE_TEST_TMPDIR !== undefined) return () => undefined;
  const dir = mkdtempSync(join(tmpdir(), 'prodshape-tests-'));
  chmodSync(dir, 0o711);
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  process.env.PRODSHAPE_TEST_TMPDIR = dir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    delete process.env.PRODSHAPE_TEST_TMPDIR;
    rmSync(dir, { recursive: true, force: true });
  };
}
