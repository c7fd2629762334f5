/**
 * A clock as code that measures time takes it: milliseconds from a fixed
 * origin, monotonic. Injected where time is read in logic worth testing, so a
 * test can step it; the engine's run clock (ms since the run's time zero) is one.
 * Code that also waits (polls, timeouts, timers) takes a `WaitClock`.
 */

/** Milliseconds from the clock's origin; never goes back. */
export interface Clock {
  nowMs(): number;
}

/** A clock that can also wait on its own time: what polls and timers take, so a test can run them on fake time. */
export interface WaitClock extends Clock {
  /** Resolves after about `ms` (a timer: >= 1 ms granularity, often late under load). */
  sleep(ms: number): Promise<void>;
  /** Calls `fn` once after `ms`, unless the returned function was called first (a pending real timer keeps the process alive). */
  after(ms: number, fn: () => void): () => void;
}

/** The real waits: setTimeout. */
export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
export const realAfter = (ms: number, fn: () => void): (() => void) => {
  const timer = setTimeout(fn, Math.max(0, ms));
  return () => clearTimeout(timer);
};

/** The process's monotonic high-resolution clock (`performance.now()`; origin: the process start), with real waits. */
export const monotonicClock: WaitClock = { nowMs: () => performance.now(), sleep: realSleep, after: realAfter };

/**
 * Starts a stopwatch on `clock`: the returned function gives the milliseconds
 * since this call. What an elapsed-time log line ("loaded in 3.2 s") reads.
 */
export const stopwatch = (clock: Clock = monotonicClock): (() => number) => {
  const t0 = clock.nowMs();
  return () => clock.nowMs() - t0;
};
