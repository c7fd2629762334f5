/**
 * The run's clock: milliseconds since the run's time zero, from the
 * high-resolution monotonic timer anchored to the wall clock, so every worker
 * thread (each with its own `performance.timeOrigin`) agrees on time zero.
 */

import type { Clock } from '../core/clock.js';

/** Milliseconds since the run's time zero (negative before it): a core Clock whose origin is time zero. Injectable for tests. */
export type RunClock = Clock;

/** Wall-clock epoch ms with sub-ms resolution. */
export const epochNowMs = (): number => performance.timeOrigin + performance.now();

/** A clock whose zero is the epoch time `t0EpochMs`. */
export const createRunClock = (t0EpochMs: number): RunClock => {
  const offset = performance.timeOrigin - t0EpochMs;
  return { nowMs: () => offset + performance.now() };
};

const napCell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for `ms` (sub-millisecond precision, no CPU): Atomics.wait on a cell nobody notifies. Keep it short. */
export const nap = (ms: number): void => {
  if (ms > 0) Atomics.wait(napCell, 0, 0, ms);
};
