/**
 * The embedded PostgreSQL's watchdog loop on fake time: it polls every
 * WATCHDOG_POLL_MS of its clock, returns once the postmaster is gone, and
 * when the owner is gone removes the owner's lock file. A real process
 * (`node`, idle) stands in for the postmaster; no PostgreSQL is started, and
 * no postmaster.pid names it, so the watchdog never signals it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WaitClock } from '../../src/core/clock.js';
import { WATCHDOG_POLL_MS, watchPostmaster } from '../../src/pg/watchdog.js';

const idle = (): ChildProcess => spawn(process.execPath, ['-e', 'setInterval(() => undefined, 1000)'], { stdio: 'ignore' });
const exited = (c: ChildProcess): Promise<void> => new Promise((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('exit', () => resolve())));

/** A clock whose sleeps take no real time: each moves it on and then runs `onSleep(n)` (n: sleeps so far). */
const fakeClock = (onSleep: (n: number) => Promise<void> | void): WaitClock & { sleeps: number[] } => {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    nowMs: () => now,
    sleep: async (ms) => {
      now += ms;
      sleeps.push(ms);
      await onSleep(sleeps.length);
    },
    after: () => () => undefined,
  };
};

describe('embedded PostgreSQL watchdog', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'prodshape-watchdog-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('polls every 500 ms of its clock and returns at the first poll after the postmaster is gone', async () => {
    const postmaster = idle();
    try {
      // The stand-in dies during the third wait: the fourth look sees it gone.
      const clock = fakeClock(async (n) => {
        if (n !== 3) return;
        postmaster.kill('SIGKILL');
        await exited(postmaster);
      });
      const t0 = performance.now();
      await watchPostmaster(process.pid, postmaster.pid!, dir, join(dir, 'lock'), clock);
      expect(clock.sleeps).toEqual([WATCHDOG_POLL_MS, WATCHDOG_POLL_MS, WATCHDOG_POLL_MS]);
      expect(clock.nowMs()).toBe(1500);
      // 1.5 s of fake time; the real loop took far less (the bound is generous for a busy machine).
      expect(performance.now() - t0).toBeLessThan(1500);
    } finally {
      postmaster.kill('SIGKILL');
    }
  });

  it('when the owner is gone: removes its lock file and returns without waiting; leaves another owner\'s lock', async () => {
    const owner = idle();
    await new Promise((r) => owner.once('spawn', r));
    const ownerPid = owner.pid!;
    owner.kill('SIGKILL');
    await exited(owner);
    const postmaster = idle();
    try {
      const lock = join(dir, 'owner.lock');
      writeFileSync(lock, JSON.stringify({ pid: ownerPid, started_at: '2026-01-01T00:00:00.000Z' }));
      const clock = fakeClock(() => undefined);
      await watchPostmaster(ownerPid, postmaster.pid!, dir, lock, clock);
      expect(existsSync(lock)).toBe(false);
      expect(clock.sleeps).toEqual([]);

      writeFileSync(lock, JSON.stringify({ pid: process.pid, started_at: '2026-01-01T00:00:00.000Z' }));
      await watchPostmaster(ownerPid, postmaster.pid!, dir, lock, clock);
      expect(existsSync(lock)).toBe(true);
      // No postmaster.pid in `dir` names the stand-in: the watchdog never stopped it.
      expect(postmaster.exitCode).toBeNull();
    } finally {
      postmaster.kill('SIGKILL');
    }
  });
});
