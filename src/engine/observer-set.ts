/**
 * The observers of one run (observer.ts), driven by the engine's run
 * (run.ts): started before time zero, told of each event, stopped after the
 * last response. An observer that fails is a warning in the log, never the
 * end of the run.
 */
import { errorMessage } from '../core/errors.js';
import type { EventRecord } from '../run/format.js';
import { epochNowMs } from './clock.js';
import type { Observer, RunContext } from './observer.js';

export interface ObserverSet {
  /**
   * Starts every observer with time zero set `leadMs` ahead (so a first
   * snapshot has a sensible time); returns time zero (epoch ms), pushed back
   * to 50 ms from now if the observers took the lead and more. `ctx.startedAtMs`
   * holds the final value once this resolves.
   */
  start(leadMs: number): Promise<number>;
  onEvent(rec: EventRecord): Promise<void>;
  /** Aborts the context's signal, then stops each observer. */
  stop(): Promise<void>;
  ctx: RunContext;
}

export const createObserverSet = (observers: readonly Observer[], base: Omit<RunContext, 'startedAtMs' | 'nowMs' | 'signal'>, now: () => number = epochNowMs): ObserverSet => {
  const abort = new AbortController();
  let t0EpochMs = now();
  const ctx: RunContext = { ...base, startedAtMs: t0EpochMs, nowMs: () => now() - t0EpochMs, signal: abort.signal };
  const each = async (what: string, f: (o: Observer) => Promise<void> | undefined): Promise<void> => {
    for (const o of observers) {
      try {
        await f(o);
      } catch (e) {
        base.log(`warning: observer ${o.name} failed ${what}: ${errorMessage(e)}`);
      }
    }
  };
  return {
    ctx,
    async start(leadMs) {
      t0EpochMs = now() + leadMs;
      ctx.startedAtMs = t0EpochMs;
      await each('to start', (o) => o.start(ctx));
      if (now() > t0EpochMs - 20) t0EpochMs = now() + 50;
      ctx.startedAtMs = t0EpochMs;
      return t0EpochMs;
    },
    onEvent: (rec) => each(`on event ${rec.action}`, (o) => o.onEvent?.(rec)),
    async stop() {
      abort.abort();
      await each('to stop', (o) => o.stop());
    },
  };
};
