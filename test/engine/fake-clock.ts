/**
 * Fake time for scheduler tests: a `RunClock` whose time moves only when the
 * share waits (sleep, nap), and a dispatcher that answers on that clock. A
 * share driven by them runs as fast as the CPU allows and is deterministic:
 * what it measures can be compared to the exact truth.
 */
import type { Dispatcher } from 'undici';
import type { RunClock } from '../../src/engine/clock.js';

/** A `RunClock` on fake time, plus `at` to schedule what happens at a fake instant. */
export interface FakeClock extends RunClock {
  /** Runs `fn` when fake time reaches `atMs` (at the share's next sleep or I/O turn past it). */
  at(atMs: number, fn: () => void): void;
  /** Moves time forward by `ms` without waiting (work the thread does: a send that costs CPU). */
  spend(ms: number): void;
}

/** A fake clock starting at `startMs`. Waits resolve on the real event loop's next turn, so a stuck run still times out. */
export const createFakeClock = (startMs = 0): FakeClock => {
  let now = startMs;
  let seq = 0;
  const queue: { atMs: number; seq: number; fn: () => void }[] = [];
  const at = (atMs: number, fn: () => void): void => {
    queue.push({ atMs, seq: seq++, fn });
    queue.sort((a, b) => a.atMs - b.atMs || a.seq - b.seq);
  };
  /** Fires what is due by `t` (each at its own instant), then sets the time to `t`. */
  const advanceTo = (t: number): void => {
    for (let e = queue[0]; e !== undefined && e.atMs <= t; e = queue[0]) {
      queue.shift();
      now = Math.max(now, e.atMs);
      e.fn();
    }
    now = Math.max(now, t);
  };
  const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  return {
    nowMs: () => now,
    at,
    spend: (ms) => {
      now += ms;
    },
    // A nap blocks the thread: time passes, nothing is read (responses wait for the next I/O turn).
    nap: (ms) => {
      now += Math.max(0, ms);
    },
    // A spin is a nap to the instant asked for: nothing is read meanwhile.
    spinUntil: (atMs) => {
      now = Math.max(now, atMs);
    },
    sleep: async (ms) => {
      await turn();
      advanceTo(now + Math.max(0, ms));
    },
    yieldIo: async () => {
      await turn();
      advanceTo(now);
    },
    after: (ms, fn) => {
      let cancelled = false;
      at(now + Math.max(0, ms), () => {
        if (!cancelled) fn();
      });
      return () => {
        cancelled = true;
      };
    },
    every: (ms, fn) => {
      let stopped = false;
      const tick = (t: number): void =>
        at(t, () => {
          if (stopped) return;
          fn();
          tick(t + ms);
        });
      tick(now + ms);
      return () => {
        stopped = true;
      };
    },
  };
};

/** What the fake dispatcher saw of one request. */
export interface FakeSend { path: string; sentMs: number }

/**
 * A dispatcher that answers every request with `status` after `serviceMs(path, sentMs)` of fake time
 * (unlimited concurrency), and costs `sendCostMs` of fake time per send.
 */
export const fakeDispatcher = (clock: FakeClock, serviceMs: (path: string, sentMs: number) => number, opts: { status?: number; sendCostMs?: number } = {}): { dispatcher: Dispatcher; sends: FakeSend[] } => {
  const sends: FakeSend[] = [];
  const dispatch = (o: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean => {
    const sentMs = clock.nowMs();
    sends.push({ path: o.path, sentMs });
    const h = handler as unknown as { onConnect(abort: () => void): void; onHeaders(s: number): boolean; onData(): boolean; onComplete(): void; onError(e: Error): void };
    let aborted = false;
    h.onConnect(() => {
      aborted = true;
    });
    clock.at(sentMs + serviceMs(o.path, sentMs), () => {
      if (aborted) return h.onError(Object.assign(new Error('aborted'), { code: 'UND_ERR_ABORTED' }));
      h.onHeaders(opts.status ?? 200);
      h.onData();
      h.onComplete();
    });
    clock.spend(opts.sendCostMs ?? 0);
    return true;
  };
  return { dispatcher: { dispatch, destroy: () => Promise.resolve() } as unknown as Dispatcher, sends };
};
