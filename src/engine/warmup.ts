/**
 * The warm-up (`--warmup`), part of a share's run (share.ts): before time
 * zero, the share sends the plan's own first `warmupMs` once, at the plan's
 * pace, on the connections the run will use, and measures none of it. The
 * run (run.ts) then starts its observers and fixes time zero, where the plan
 * starts from its beginning and is measured as without a warm-up.
 *
 * Why: a share's hot path (scheduler, HTTP client, recorder) is compiled by
 * V8 while it runs. At tens of thousands of requests per second that takes
 * the first second or so, on the same cores, and sends in that second leave
 * late by a few ms: the run's schedule lag (and the latencies, which include
 * it) read high for a reason that is the generator's, not the target's. The
 * warm-up moves that second before time zero, as wrk2's calibration period
 * does (its first 10 s are sent and then dropped from its statistics).
 *
 * The warm-up sends the very request objects of the plan (so the compiled
 * code sees the same hidden classes as in the run) through the same
 * generator function as the run's stream. The target sees the first
 * `warmupMs` of traffic twice, and its caches are warm at time zero.
 */
import type { PlannedRequest, PlanStream } from '../traffic/plan.js';
import { createLateRunClock, createRunClock } from './clock.js';
import { ShareRunner, type ShareOptions, type ShareResult, type ShareSink } from './share.js';
import { percentileMs, type Histogram } from '../run/histogram.js';
import { r3 } from '../core/round.js';

/** A plan split for a warm-up: `warm` replays the plan's first `warmupMs` (null without a warm-up), `plan` is the whole plan. */
export interface SplitPlan {
  warm: PlanStream | null;
  plan: PlanStream;
}

/** The plan's head, then (for the run) the arrival that ended the head and the rest of the source. */
function* replaySync(head: readonly PlannedRequest[], next: PlannedRequest | null, rest: Iterator<PlannedRequest> | null): Generator<PlannedRequest> {
  yield* head;
  if (next === null || rest === null) return;
  yield next;
  for (let r = rest.next(); !r.done; r = rest.next()) yield r.value;
}

async function* replayAsync(head: readonly PlannedRequest[], next: PlannedRequest | null, rest: AsyncIterator<PlannedRequest> | null): AsyncGenerator<PlannedRequest> {
  yield* head;
  if (next === null || rest === null) return;
  yield next;
  try {
    for (let r = await rest.next(); !r.done; r = await rest.next()) yield r.value;
  } finally {
    // A run cut short closes its stream: the source (a log file) is released.
    await rest.return?.();
  }
}

/**
 * Reads the plan's arrivals due before `warmupMs` (held in memory: rate x
 * warm-up of them) and returns two streams over the same request objects:
 * the warm-up's (that head alone) and the run's (the head, then the rest of
 * `stream`). Each is built by the same generator function, so the hot path
 * sees one kind of iterator. With `warmupMs` <= 0, the plan unchanged.
 */
export const splitForWarmup = async (stream: PlanStream, warmupMs: number): Promise<SplitPlan> => {
  if (!(warmupMs > 0)) return { warm: null, plan: stream };
  const head: PlannedRequest[] = [];
  if (Symbol.iterator in stream) {
    const it = stream[Symbol.iterator]();
    let r = it.next();
    for (; !r.done && r.value.atMs < warmupMs; r = it.next()) head.push(r.value);
    return { warm: replaySync(head, null, null), plan: replaySync(head, r.done ? null : r.value, it) };
  }
  const it = stream[Symbol.asyncIterator]();
  let r = await it.next();
  for (; !r.done && r.value.atMs < warmupMs; r = await it.next()) head.push(r.value);
  return { warm: replayAsync(head, null, null), plan: replayAsync(head, r.done ? null : r.value, it) };
};

/** The warm-up's windows, live counters and dead-target call go nowhere. */
const NOWHERE: ShareSink = { windows: () => undefined, live: () => undefined, dead: () => undefined };

/** A share built before its warm-up: warm it up (or not), then start it at time zero. */
export interface StagedShare {
  /**
   * Starts the warm-up, its plan's time zero at `startEpochMs`; resolves once
   * its arrivals are sent (its requests may still be in flight), at once
   * without a warm-up or after a stop.
   */
  warm(startEpochMs: number): Promise<void>;
  /** Starts the measured run at `t0EpochMs` (after `warm` resolved). */
  start(t0EpochMs: number): void;
  /** Stops the warm-up and the run (before or after `start`). */
  stop(reason: string, graceMs: number): void;
  /** The run's result, with what the warm-up did. */
  done: Promise<ShareResult>;
}

/**
 * Builds one share: the run's ShareRunner on a clock whose time zero `start`
 * fixes, and with `warm`, a ShareRunner over `split.warm` on its own clock,
 * sending on the run's connections to `NOWHERE`. The run starts when the
 * caller says (after the observers started), so nothing the observers count
 * is the warm-up's.
 */
export const stageShare = (split: SplitPlan, opts: Omit<ShareOptions, 'clock'>, sink: ShareSink): StagedShare => {
  const clock = createLateRunClock();
  // One free list of histograms for both: the run's first seconds reuse the warm-up's.
  const histogramPool: Histogram[] = [];
  const runner = new ShareRunner(split.plan, { ...opts, clock, histogramPool }, sink);
  let warm: ShareRunner | null = null;
  let warmDone: Promise<ShareResult> | null = null;
  let stopped: [string, number] | null = null;
  let resolveDone: (r: ShareResult) => void = () => undefined;
  let rejectDone: (e: unknown) => void = () => undefined;
  const done = new Promise<ShareResult>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });
  const finish = async (): Promise<ShareResult> => {
    const result = await runner.run();
    if (warmDone === null) return result;
    const w = await warmDone;
    return { ...result, warmup: { totals: w.totals, lagP99Ms: r3(percentileMs(w.lag, 99)) } };
  };
  return {
    warm(startEpochMs) {
      if (split.warm === null || stopped !== null || warm !== null) return Promise.resolve();
      warm = new ShareRunner(split.warm, { ...opts, clock: createRunClock(startEpochMs), dispatcher: runner.hotDispatcher, logRequests: false, histogramPool }, NOWHERE);
      warmDone = warm.run();
      // (A failed warm-up fails `done`, after the run's runner ends: never an unhandled rejection.)
      warmDone.catch(() => undefined);
      return warm.arrivalsEnded;
    },
    start(t0EpochMs) {
      clock.setT0(t0EpochMs);
      finish().then(resolveDone, rejectDone);
    },
    stop(reason, graceMs) {
      stopped ??= [reason, graceMs];
      warm?.stop(reason, graceMs);
      runner.stop(reason, graceMs);
    },
    done,
  };
};
