/**
 * A periodic task on the run's clock: tick k is due at `k × intervalMs` after
 * the run's time zero (computed from the absolute start, so drift never
 * accumulates). A tick that is still running when the next is due makes the
 * next ones wait (they are skipped, not queued). `stop()` resolves once the
 * tick in progress, if any, has finished.
 */
export interface Ticker {
  stop(): Promise<void>;
}

/**
 * Starts calling `task(k)` at each due time. `nowMs` is the run's clock (ms
 * since time zero); the first tick is the next multiple of `intervalMs` after
 * `nowMs()` (tick 0 when the run has not started). `task` must not throw:
 * wrap failures into records.
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
  let k = Math.max(0, Math.ceil(nowMs() / intervalMs));
  const schedule = (): void => {
    if (stopped) return;
    const delay = Math.max(0, k * intervalMs - nowMs());
    timer = setTimeout(() => {
      timer = null;
      if (stopped) return;
      const tick = k;
      running = task(tick).finally(() => {
        // Skip the ticks that fell due while this one ran.
        k = Math.max(tick + 1, Math.ceil(nowMs() / intervalMs));
        schedule();
      });
    }, delay);
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
