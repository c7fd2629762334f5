/**
 * The embedded server's watchdog: a small detached process started beside
 * the postmaster, so the server never outlives the prodshape process that
 * owns it, even after a `kill -9` (PostgreSQL does not exit when its
 * parent does). Every 500 ms it checks both: when the postmaster is gone it
 * exits; when the owner is gone it stops the postmaster (fast shutdown),
 * removes the owner's lock file and exits.
 *
 *   node watchdog.js OWNER_PID POSTMASTER_PID DATA_DIR LOCK_FILE
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { monotonicClock, type WaitClock } from '../core/clock.js';
import { EXIT } from '../core/errors.js';
import { nodeArgsFor } from '../core/module-start.js';
import { PACKAGE_ROOT } from '../core/paths.js';
import { lockPid } from './lock.js';
import { pidAlive, runningPostmaster, stopPostmaster } from './cluster.js';
import { readFileSync, unlinkSync } from 'node:fs';

/** How often the watchdog looks, ms. */
export const WATCHDOG_POLL_MS = 500;

/** Starts the watchdog for a postmaster owned by `ownerPid`; returns its pid. It is detached and never keeps this process alive. */
export const startWatchdog = (opts: { ownerPid: number; postmasterPid: number; dataDir: string; lockFile: string }): number | undefined => {
  const self = fileURLToPath(import.meta.url);
  // Under the test runner this file is TypeScript: run it through tsx as the tests run the CLI.
  const node = nodeArgsFor(self);
  const child = spawn(process.execPath, [...node, String(opts.ownerPid), String(opts.postmasterPid), opts.dataDir, opts.lockFile], {
    detached: true, stdio: 'ignore', cwd: PACKAGE_ROOT,
  });
  child.unref();
  return child.pid;
};

/**
 * The watchdog's loop: returns when the postmaster is gone, or after stopping
 * it (and removing the owner's lock file) when the owner is gone. Polls every
 * WATCHDOG_POLL_MS of `clock` (tests: fake time).
 */
export const watchPostmaster = async (ownerPid: number, postmasterPid: number, dataDir: string, lockFile: string, clock: WaitClock = monotonicClock): Promise<void> => {
  for (;;) {
    if (!pidAlive(postmasterPid)) return;
    if (!pidAlive(ownerPid)) {
      if (runningPostmaster(dataDir) === postmasterPid) await stopPostmaster(postmasterPid, undefined, clock);
      try {
        if (lockPid(readFileSync(lockFile, 'utf8')) === ownerPid) unlinkSync(lockFile);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      return;
    }
    await clock.sleep(WATCHDOG_POLL_MS);
  }
};

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [owner, postmaster, dataDir, lockFile] = process.argv.slice(2);
  if (dataDir === undefined || lockFile === undefined) {
    process.stderr.write('usage: watchdog OWNER_PID POSTMASTER_PID DATA_DIR LOCK_FILE\n');
    process.exit(EXIT.input);
  }
  await watchPostmaster(Number(owner), Number(postmaster), dataDir, lockFile);
}
