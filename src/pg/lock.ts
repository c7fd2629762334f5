/**
 * An owner-pid lock file: `owner.json` in a directory, created exclusively,
 * holding the pid of the process that uses the directory. A lock whose pid
 * no longer runs (the owner was killed) is stale and may be taken over.
 *
 * Taking over renames the stale file aside first, then checks that what it
 * renamed is still the stale lock it read (two processes racing for the same
 * stale lock: the loser puts the winner's fresh file back and tries again).
 */
import { readFileSync, unlinkSync } from 'node:fs';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pidAlive } from './cluster.js';

export const LOCK_FILE = 'owner.json';

/** An unreadable lock file younger than this may be mid-write; older, its writer died, ms. */
const UNREADABLE_STALE_MS = 10_000;

/** What a lock file holds. */
export interface LockInfo { pid: number; started_at: string }

/** The pid in a lock file's text, or null when it is unreadable (a crash mid-write). Pure. */
export const lockPid = (text: string): number | null => {
  try {
    const pid = (JSON.parse(text) as Partial<LockInfo>).pid;
    return typeof pid === 'number' && Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch (e) {
    if (e instanceof SyntaxError) return null;
    throw e;
  }
};

const readPid = async (file: string): Promise<number | null | 'absent'> => {
  try {
    return lockPid(await readFile(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw e;
  }
};

export interface Lock {
  file: string;
  /** The pid of the stale owner whose lock was taken over, if any. */
  staleOwnerPid: number | null;
  /** Removes the lock file when it is still ours. */
  release(): Promise<void>;
  /** The same, synchronously (for a process 'exit' handler). */
  releaseSync(): void;
}

/**
 * Takes the lock in `dir` for process `pid` (default: this one). Returns
 * null when a running process holds it. Never waits.
 */
export const tryLock = async (dir: string, pid = process.pid): Promise<Lock | null> => {
  const file = join(dir, LOCK_FILE);
  const body = `${JSON.stringify({ pid, started_at: new Date().toISOString() } satisfies LockInfo)}\n`;
  let staleOwnerPid: number | null = null;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await writeFile(file, body, { flag: 'wx', mode: 0o644 });
      const mine = async (): Promise<boolean> => (await readPid(file)) === pid;
      return {
        file, staleOwnerPid,
        release: async () => {
          if (await mine()) await rm(file, { force: true });
        },
        releaseSync: () => {
          try {
            if (lockPid(readFileSync(file, 'utf8')) === pid) unlinkSync(file);
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
          }
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = await readPid(file);
    if (owner === 'absent') continue;
    // Held by a running process (this one included: a second owner in one process gets another directory).
    if (owner !== null && pidAlive(owner)) return null;
    // Unreadable: being written this instant, unless it is older than a write takes (an owner killed mid-write).
    if (owner === null && Date.now() - (await stat(file)).mtimeMs < UNREADABLE_STALE_MS) return null;
    // Stale: move it aside, and make sure what was moved is the stale lock just read.
    const aside = `${file}.stale-${pid}`;
    try {
      await rename(file, aside);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    const moved = await readPid(aside);
    if (moved !== owner) {
      await rename(aside, file);
      continue;
    }
    await rm(aside, { force: true });
    staleOwnerPid = owner;
  }
  return null;
};
