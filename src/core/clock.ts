/**
 * A clock as code that measures time takes it: milliseconds from a fixed
 * origin, monotonic. Injected where time is read in logic worth testing, so a
 * test can step it; the engine's run clock (ms since the run's time zero) is one.
 */

/** Milliseconds from the clock's origin; never goes back. */
export interface Clock {
  nowMs(): number;
}

/** The process's monotonic high-resolution clock (`performance.now()`; origin: the process start). */
export const monotonicClock: Clock = { nowMs: () => performance.now() };
