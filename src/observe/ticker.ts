/**
 * A periodic task on the run's clock: tick k is due at `k × intervalMs` after
 * the run's time zero (computed from the absolute start, so drift never
 * accumulates). Ticks start at time zero; before it (an observer starts before
 * the engine fixes time zero, and the clock may jump when it does) the ticker
 * re-reads the clock every PRE_ZERO_RECHECK_MS, so tick 0 runs within a few ms
 * of the zero however late it was fixed; after zero it trusts timers of at
 * most RECHECK_MS. A tick that is still running when the next is due makes the ticks that
 * fell due meanwhile be skipped, not queued. `stop()` resolves once the tick in
 * progress, if any, has finished.
 */
export interface Ticker {
  stop(): Promise<void>;
}

/** Longest single wait before the clock is read again, ms. */
const RECHECK_MS = 100;
/**
 * The same before time zero, ms: the engine may fix the zero 50 ms ahead at any
 * moment, and a 100-ms wait armed before that would run tick 0 up to 50 ms late.
 */
const PRE_ZERO_RECHECK_MS = 5;

/**
 * Starts calling `task(k)` at each due time. `nowMs` is the run's clock (ms
 * since time zero, negative before it). `task` must not throw: wrap failures
 * into records.
 */
export const startTicker = (
  intervalMs: number,
  nowMs: () => number,
  task: (k: number) => Promise<void>,
  signal?: AbortSignal,
): Ticker => {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  // The first tick is the next one due from now (tick 0 when the run has not started).
  let k = Math.max(0, Math.ceil(nowMs() / intervalMs));
  const schedule = (): void => {
    if (stopped) return;
    const now = nowMs();
    const delay = k * intervalMs - now;
    const recheckMs = now < 0 ? PRE_ZERO_RECHECK_MS : RECHECK_MS;
    if (delay > recheckMs) {
      timer = setTimeout(schedule, recheckMs);
      timer.unref?.();
      return;
    }
    timer = setTimeout(() => {
      timer = null;
      if (stopped) return;
      const tick = k;
      running = task(tick).finally(() => {
        k = Math.max(tick + 1, Math.ceil(nowMs() / intervalMs));
        schedule();
      });
    }, Math.max(0, delay));
    timer.unref?.();
  };
  schedule();
  const stop = async (): Promise<void> => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
    timer = null;
    await running;
  };
  signal?.addEventListener('abort', () => void stop(), { once: true });
  return { stop };
};
