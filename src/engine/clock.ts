/**
 * The run's clock: milliseconds since the run's time zero, from the
 * high-resolution monotonic timer anchored to the wall clock, so every worker
 * thread (each with its own `performance.timeOrigin`) agrees on time zero;
 * and the waits the scheduler takes against it. Everything in a share that
 * reads time or waits for it goes through a `RunClock`, so tests can drive a
 * share on fake time (test/engine/fake-clock.ts).
 */

import { realAfter, realSleep, type WaitClock } from '../core/clock.js';

/** Time and waits of a run and its shares: a core WaitClock whose origin is the run's time zero, plus the scheduler's waits. Injectable for tests. */
export interface RunClock extends WaitClock {
  /** Milliseconds since the run's time zero (negative before it). */
  nowMs(): number;
  /** Resolves after pending I/O callbacks ran (one turn of the event loop). */
  yieldIo(): Promise<void>;
  /** Blocks the thread for `ms` (sub-millisecond, no CPU, no I/O meanwhile). Keep it short. */
  nap(ms: number): void;
  /** Busy-waits until `nowMs() >= atMs` (burns the CPU, no I/O meanwhile). Only for the last fraction of a ms. */
  spinUntil(atMs: number): void;
  /** Calls `fn` every `ms` until the returned function is called. */
  every(ms: number, fn: () => void): () => void;
}

/** Wall-clock epoch ms with sub-ms resolution. */
export const epochNowMs = (): number => performance.timeOrigin + performance.now();

const napCell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for `ms` (sub-millisecond precision, no CPU): Atomics.wait on a cell nobody notifies. Keep it short. */
export const nap = (ms: number): void => {
  if (ms > 0) Atomics.wait(napCell, 0, 0, ms);
};

const yieldIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const every = (ms: number, fn: () => void): (() => void) => {
  const timer = setInterval(fn, ms);
  return () => clearInterval(timer);
};

/** A real clock read against `nowMs`, and the scheduler's waits. */
const clockOn = (nowMs: () => number): RunClock => {
  const spinUntil = (atMs: number): void => {
    while (nowMs() < atMs) {
      // busy: the thread keeps its core, so the send is not at the mercy of a wake-up (see share.ts SPIN_MS)
    }
  };
  return { nowMs, sleep: realSleep, after: realAfter, yieldIo, nap, spinUntil, every };
};

/**
 * A real run clock whose time zero is fixed later, by `setT0`: a share is
 * built before its warm-up, whose end fixes time zero. (Every run clock is
 * one of these, so the hot path sees one kind of clock.)
 */
export const createLateRunClock = (): RunClock & { setT0(t0EpochMs: number): void } => {
  let offset = Number.NaN;
  const nowMs = (): number => offset + performance.now();
  return { ...clockOn(nowMs), setT0: (t0EpochMs) => void (offset = performance.timeOrigin - t0EpochMs) };
};

/** A real clock whose zero is the epoch time `t0EpochMs`. */
export const createRunClock = (t0EpochMs: number): RunClock => {
  const clock = createLateRunClock();
  clock.setT0(t0EpochMs);
  return clock;
};
