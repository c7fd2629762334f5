/**
 * A lock held across test files (vitest runs each file in its own worker
 * process): files that take the lock of the same name run their guarded part
 * one at a time, while the other files of their group run beside them.
 *
 * The lock is a directory created atomically under test/tmp/locks/ (inside
 * the clone, so two clones on one machine do not wait for each other),
 * holding the owner's pid. A lock whose owner process is gone (a worker
 * killed mid-file) is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PACKAGE_ROOT } from '../../src/core/paths.js';

const LOCKS_DIR = join(PACKAGE_ROOT, 'test', 'tmp', 'locks');
/** How often a waiting file looks again, ms. */
const POLL_MS = 100;

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The pid written in a lock directory, or null when it is not (yet) readable. */
const ownerOf = (dir: string): number | null => {
  try {
    const pid = Number(readFileSync(join(dir, 'pid'), 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
};

/**
 * Waits (at most `timeoutMs`) until this process holds the lock `name`;
 * returns its release. Throws when the wait times out, naming the holder.
 */
export const acquireExclusive = async (name: string, timeoutMs: number): Promise<() => void> => {
  mkdirSync(LOCKS_DIR, { recursive: true });
  const dir = join(LOCKS_DIR, name);
  const deadline = performance.now() + timeoutMs;
  let unreadableSince: number | null = null;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'pid'), String(process.pid));
      return () => rmSync(dir, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = ownerOf(dir);
    // A holder writes its pid right after creating the directory: one unreadable for a second was left by a killed one.
    if (owner === null) unreadableSince ??= performance.now();
    else unreadableSince = null;
    if ((owner !== null && !alive(owner)) || (unreadableSince !== null && performance.now() - unreadableSince > 1000)) {
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (performance.now() > deadline) throw new Error(`test lock "${name}" still held by pid ${owner ?? '?'} after ${timeoutMs} ms`);
    await sleep(POLL_MS);
  }
};
