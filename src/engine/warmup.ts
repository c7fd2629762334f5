/**
 * The warm-up (`--warmup`), part of a share's run (share.ts): before time
 * zero, the share sends the plan's own first `warmupMs` once, at its own
 * times shifted back by `warmupMs`, on the connections the run will use, and
 * measures none of it. Then, at time zero, the plan starts from its beginning
 * and is measured as without a warm-up.
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
import { createRunClock } from './clock.js';
import { ShareRunner, type ShareOptions, type ShareResult, type ShareSink } from './share.js';
import { percentileMs } from '../run/histogram.js';
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

/** A share started at its time zero (or its warm-up before it). */
export interface StartedShare {
  stop(reason: string, graceMs: number): void;
  done: Promise<ShareResult>;
}

/**
 * Runs one share: without a warm-up, a ShareRunner on the run's clock; with
 * one, first a ShareRunner over `split.warm` on a clock `warmupMs` earlier
 * (sharing the run's connections, sending to `nowhere`), and the run's own
 * ShareRunner once the warm-up's arrivals are sent (its requests still in
 * flight finish meanwhile). A stop stops both.
 */
export const startShare = (split: SplitPlan, opts: Omit<ShareOptions, 'clock'>, t0EpochMs: number, warmupMs: number, sink: ShareSink): StartedShare => {
  const runner = new ShareRunner(split.plan, { ...opts, clock: createRunClock(t0EpochMs) }, sink);
  if (split.warm === null) return { stop: (reason, graceMs) => runner.stop(reason, graceMs), done: runner.run() };
  const warm = new ShareRunner(split.warm, {
    ...opts, clock: createRunClock(t0EpochMs - warmupMs), dispatcher: runner.hotDispatcher, logRequests: false,
  }, NOWHERE);
  const warmDone = warm.run();
  // (A failed warm-up fails `done` below, after the run's runner ends: never an unhandled rejection.)
  warmDone.catch(() => undefined);
  const done = (async (): Promise<ShareResult> => {
    await warm.arrivalsEnded;
    const result = await runner.run();
    const w = await warmDone;
    return { ...result, warmup: { totals: w.totals, lagP99Ms: r3(percentileMs(w.lag, 99)) } };
  })();
  return {
    stop(reason, graceMs) {
      warm.stop(reason, graceMs);
      runner.stop(reason, graceMs);
    },
    done,
  };
};
