/**
 * `runPlan`: runs any stream of planned requests against a target and writes
 * the run directory (src/run/format.ts). The engine only dispatches, measures
 * and writes; where the requests come from is the plan's business
 * (src/traffic, or an access log).
 *
 * Order of a run: run directory and inputs (run-dir.ts) → shares loaded (in
 * process, or N worker threads: shares.ts) → observers started
 * (observer-set.ts) → time zero → arrivals, events and the live view
 * (live-totals.ts) → end of plan or stop (Ctrl-C, dead target) → grace period
 * → observers stopped → windows, tenants, events and run.json written. A
 * thread that only sleeps watches the machine meanwhile (stall-watch.ts):
 * run.json says when the machine, not the generator, held the sends back.
 */
import type { Dispatcher } from 'undici';
import { errorMessage } from '../core/errors.js';
import { redact } from '../core/secrets.js';
import { VERSION } from '../core/version.js';
import type { Manifest } from '../data/manifest.js';
import type { Observer } from './observer.js';
import type { ErrorClass, EventRecord, RunMeta } from '../run/format.js';
import { createHistogram, maxMs, percentileMs, type Histogram } from '../run/histogram.js';
import type { ProfileEvent } from '../scenario/profile.js';
import type { Action, Scenario } from '../scenario/scenario.js';
import { createRunClock, epochNowMs, type RunClock } from './clock.js';
import { scheduleEvents } from './event-timers.js';
import { createLiveTotals, type LiveStatus, type LiveTotals } from './live-totals.js';
import { mergeTenantRecords, WindowMerger } from './merge.js';
import { createObserverSet } from './observer-set.js';
import type { PlanSource } from './plan-source.js';
import { emptyErrorCounts, type ShareTotals, type TrackedTenant } from './recorder.js';
import { createRunDir, type RunDirWriter } from './run-dir.js';
import { deadTargetAfterMs } from './share.js';
import { createShares, type MainSink, type ShareHandle } from './shares.js';
import { publicTarget } from './target.js';
import type { PinnedHost } from './reach.js';
import { r3 as round3 } from '../core/round.js';
import { RUN_DEFAULTS } from './defaults.js';
import { startStallWatch, type StallWatch } from './stall-watch.js';
import { machineSetLag, stalledP99Ms, type MachineStalls } from '../run/machine-stalls.js';

/** Lag p99 above this (ms) means the generator, not the target, was the bottleneck. */
export const LAG_WARN_MS = 5;

export type { LiveStatus } from './live-totals.js';

/** What `runPlan` needs. Defaults in brackets. */
export interface RunPlanOptions {
  target: URL;
  /** The run directory (created; must not hold a run already). */
  outDir: string;
  plan: PlanSource;
  /** Planned length after transforms, ms (for run.json and the live view). */
  plannedDurationMs: number;
  /** Worker threads [1]; more than one needs a plan recipe. */
  workers?: number;
  /** Connections to the target, split between workers [100]. */
  connections?: number;
  /** In-flight cap, split between workers; null for none [10000]. */
  maxInflight?: number | null;
  /** Default per-request timeout, ms [30000]. */
  timeoutMs?: number;
  /** The sending threads never sleep between sends (one core each, sub-millisecond lag on a VM) [false]. */
  busyPoll?: boolean;
  /** How long in-flight requests may finish after a stop, ms [5000]. */
  graceMs?: number;
  /**
   * Before time zero, each share sends the plan's first this-many ms once, unmeasured, on the run's
   * connections, so the generator's code is compiled before the measured run (warmup.ts) [0: none].
   */
  warmupMs?: number;
  /** Tenants given their own whole-run histograms; null tracks the first 300 seen [null]. */
  trackedTenants?: TrackedTenant[] | null;
  /** Write into a directory that already holds a run (its files are overwritten) [false]. */
  force?: boolean;
  /** `--log-requests FILE`: every request as NDJSON [none]. */
  logRequestsFile?: string | null;
  /** Profile events and the scenario's actions they fire. */
  events?: ProfileEvent[];
  actions?: Record<string, Action>;
  observers?: Observer[];
  /** Recorded in run.json and given to observers. */
  meta: {
    scenario: string | null;
    profile: string | null;
    seed: number | string;
    speed: number;
    rateScale: number;
    arrival: RunMeta['arrival'];
    endpoints: string[];
    slo: string[];
    extra?: Record<string, unknown>;
  };
  /** Input texts copied into the run directory (`${VARS}` unexpanded). */
  files?: { scenarioText?: string | null; profileText?: string | null };
  scenario?: Scenario | null;
  manifest?: Manifest | null;
  /** Aborting stops arrivals (Ctrl-C); in-flight requests get the grace period. */
  signal?: AbortSignal;
  /** Aborting skips what is left of the grace period (a second Ctrl-C). */
  forceSignal?: AbortSignal;
  /** Called about once a second with the live numbers. */
  onLive?: (s: LiveStatus) => void;
  /** Lines for people (warnings, event outcomes); redacted by the engine. */
  log?: (line: string) => void;
  /** Injected dispatcher (tests; one worker only). */
  dispatcher?: Dispatcher;
  /**
   * Hosts checked against the safety rule at the start and where they connect
   * (reach.ts): the load's pools connect only to `pins`; observers' scrapes and
   * `http` actions go through `dispatcher`. Without it, connections resolve names themselves.
   */
  reach?: { pins: PinnedHost[]; dispatcher: Dispatcher };
  /** The main thread's clock from time zero (`t0EpochMs`): event timers and the live line [createRunClock; tests: fake time]. */
  clock?: (t0EpochMs: number) => RunClock;
  /** Delay between the end of setup and time zero, ms [50 in process, 300 with workers]. */
  leadMs?: number;
}

/** What a run measured, beyond the files it wrote. */
export interface RunResult {
  dir: string;
  meta: RunMeta;
  totals: ShareTotals;
  events: EventRecord[];
  /** Requests aborted at the stop (also in `totals.errors.aborted`): still in flight when the grace period ended. */
  abandoned: number;
}

/** Settings after defaults. */
interface Settings { workers: number; connections: number; maxInflight: number | null; timeoutMs: number; graceMs: number; busyPoll: boolean; warmupMs: number }

const settingsOf = (opts: RunPlanOptions): Settings => {
  const workers = Math.max(1, Math.floor(opts.workers ?? RUN_DEFAULTS.workers));
  return {
    workers,
    connections: Math.max(workers, opts.connections ?? RUN_DEFAULTS.connections),
    maxInflight: opts.maxInflight === undefined ? RUN_DEFAULTS.maxInflight : opts.maxInflight,
    timeoutMs: opts.timeoutMs ?? RUN_DEFAULTS.timeoutMs,
    graceMs: opts.graceMs ?? RUN_DEFAULTS.graceMs,
    busyPoll: opts.busyPoll ?? false,
    warmupMs: Math.max(0, opts.warmupMs ?? 0),
  };
};

/** run.json before the run: marked interrupted until the end rewrites it (a run killed outright says so). */
const initialMeta = (opts: RunPlanOptions, s: Settings): RunMeta => ({
  format: 1,
  tool: { name: 'prodshape', version: VERSION },
  target: publicTarget(opts.target),
  scenario: opts.meta.scenario,
  profile: opts.meta.profile,
  started_at_ms: Date.now(),
  planned_duration_s: opts.plannedDurationMs / 1000,
  duration_s: 0,
  seed: opts.meta.seed,
  speed: opts.meta.speed,
  rate_scale: opts.meta.rateScale,
  arrival: opts.meta.arrival,
  endpoints: opts.meta.endpoints,
  slo: opts.meta.slo,
  workers: s.workers,
  connections: s.connections,
  max_inflight: s.maxInflight,
  interrupted: true,
  interrupt_reason: 'the run did not finish (the process ended first)',
  lag_ms: { p50: null, p99: null, max: null },
  generator_limited: false,
  extra: { timeout_ms: s.timeoutMs, grace_ms: s.graceMs, busy_poll: s.busyPoll, warmup_ms: s.warmupMs, ...(opts.meta.extra ?? {}) },
});

/** The shares' results added up. */
interface Summed {
  totals: ShareTotals; lag: Histogram; abandoned: number; unsorted: number; cutShort: boolean; stoppedAtMs: number;
  /** The shares' warm-ups added up (lag p99: the worst share's); null without one. */
  warmup: { sent: number; ok: number; failed: number; lag_p99_ms: number | null } | null;
}

const sumShares = (results: readonly Awaited<ShareHandle['done']>[]): Summed => {
  const s: Summed = { totals: { offered: 0, sent: 0, dropped: 0, completed: 0, ok: 0, errors: emptyErrorCounts() }, lag: createHistogram(), abandoned: 0, unsorted: 0, cutShort: false, stoppedAtMs: 0, warmup: null };
  for (const r of results) {
    if (r.warmup !== undefined) {
      const w = (s.warmup ??= { sent: 0, ok: 0, failed: 0, lag_p99_ms: null });
      w.sent += r.warmup.totals.sent;
      w.ok += r.warmup.totals.ok;
      w.failed += r.warmup.totals.completed - r.warmup.totals.ok;
      if (r.warmup.lagP99Ms !== null) w.lag_p99_ms = Math.max(w.lag_p99_ms ?? 0, r.warmup.lagP99Ms);
    }
    s.totals.offered += r.totals.offered;
    s.totals.sent += r.totals.sent;
    s.totals.dropped += r.totals.dropped;
    s.totals.completed += r.totals.completed;
    s.totals.ok += r.totals.ok;
    for (const k of Object.keys(s.totals.errors) as ErrorClass[]) s.totals.errors[k] += r.totals.errors[k];
    s.lag.add(r.lag);
    s.abandoned += r.abandoned;
    s.unsorted += r.unsorted;
    s.cutShort ||= r.cutShort;
    s.stoppedAtMs = Math.max(s.stoppedAtMs, r.stoppedAtMs);
  }
  return s;
};

/**
 * run.json's final fields: interrupted only when stopped before the plan's
 * end or (stopped while draining) with requests given up; the duration played;
 * the schedule lag. Logs what a person must know about the run's validity.
 */
const finishMeta = (meta: RunMeta, s: Summed, stalls: MachineStalls, stopReason: string | null, plannedDurationMs: number, log: (line: string) => void): void => {
  const interrupted = stopReason !== null && (s.cutShort || s.abandoned > 0);
  meta.interrupted = interrupted;
  meta.interrupt_reason = interrupted ? stopReason : null;
  meta.duration_s = Math.round(interrupted ? Math.max(0, Math.min(s.stoppedAtMs, plannedDurationMs)) : plannedDurationMs) / 1000;
  meta.lag_ms = { p50: round3(percentileMs(s.lag, 50)), p99: round3(percentileMs(s.lag, 99)), max: round3(maxMs(s.lag)) };
  meta.generator_limited = (meta.lag_ms.p99 ?? 0) > LAG_WARN_MS;
  meta.extra = { ...meta.extra, abandoned: s.abandoned, unsorted_arrivals: s.unsorted, totals: s.totals, machine_stalls: stalls, ...(s.warmup ? { warmup: s.warmup } : {}) };
  if (s.warmup) log(`warm-up (not measured): ${s.warmup.sent} requests sent, ${s.warmup.ok} answered OK, ${s.warmup.failed} failed; schedule lag p99 ${s.warmup.lag_p99_ms ?? '-'} ms`);
  if (s.abandoned > 0) log(`${s.abandoned} requests were still waiting at the stop: counted as failed (error class aborted), with their wait until then as latency`);
  if (s.unsorted > 0) log(`warning: ${s.unsorted} planned requests came earlier than the one before them (the plan was not sorted by time); they were sent as due`);
  if (meta.generator_limited) {
    const p99 = meta.lag_ms.p99 ?? 0;
    const stalledP99 = stalledP99Ms(stalls, meta.duration_s * 1000);
    if (machineSetLag(stalledP99, p99)) {
      log(`WARNING: schedule lag p99 was ${p99} ms (> ${LAG_WARN_MS} ms), and the machine, not the generator's own work, set it. Latencies include that lag.`);
      log(`         ${stallsText(stalls)} Those stalls alone give a lag p99 of ${stalledP99} ms.`);
      log('         Run the generator on a machine (or cores) the target does not share, with CPU not capped or throttled by its host.');
    } else {
      log(`WARNING: schedule lag p99 was ${p99} ms (> ${LAG_WARN_MS} ms): the load generator, not the target, was the bottleneck.`);
      const busyHint = meta.extra?.['busy_poll'] === true ? '' : ', --busy-poll (its thread never sleeps: it is not left waiting to be woken, for a core of CPU)';
      log(`         Latencies include the generator's own delay. Give it a CPU of its own (other processes compete for it), use --workers${busyHint}, or lower --rate-scale.`);
      if (stalls.count > 0) log(`         ${stallsText(stalls)} ${stalledP99 === 0 ? 'They cover under 1% of the run: too little to move the lag p99.' : `Alone they give a lag p99 of ${stalledP99} ms: the rest is the generator's.`}`);
    }
  }
};

/** The machine's stalls in words, for the lag warning. */
export const stallsText = (m: MachineStalls): string =>
  `The machine stalled this process ${m.count} time${m.count === 1 ? '' : 's'} for ${m.min_ms} ms or more (worst ${m.worst_ms} ms, ${m.total_ms} ms in all), seen by a thread that only sleeps: no CPU ran it (the host froze the machine, or other processes held every core); sends due meanwhile left late by that much, whatever the generator did.`;

/** Creates the shares and waits until each is ready; on a failure stops them, removes the run directory and rethrows. */
const startShares = async (opts: RunPlanOptions, s: Settings, out: RunDirWriter, sink: MainSink): Promise<ShareHandle[]> => {
  const shares = createShares({
    plan: opts.plan, target: opts.target, workers: s.workers, connections: s.connections, maxInflight: s.maxInflight, sink,
    ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
    common: {
      timeoutMs: s.timeoutMs, trackedTenants: opts.trackedTenants ?? null, logRequests: out.logsRequests, deadAfterMs: deadTargetAfterMs(opts.plannedDurationMs),
      busyPoll: s.busyPoll, warmupMs: s.warmupMs, endpointCount: opts.meta.endpoints.length,
      ...(opts.reach ? { pins: opts.reach.pins } : {}),
    },
  });
  try {
    await Promise.all(shares.map((sh) => sh.ready));
  } catch (e) {
    for (const sh of shares) sh.stop('setup failed', 0);
    await Promise.allSettled(shares.map((sh) => sh.done));
    await out.abandon();
    throw e;
  }
  return shares;
};

/** How a run stops: the first reason wins; `signal` (Ctrl-C) stops with the grace, `forceSignal` at once and aborts running events. */
interface StopControl {
  stop(reason: string, graceMs: number): void;
  /** The reason of the stop, or null while the run goes on. */
  reason(): string | null;
  /** Aborted on a forced stop: events in flight give up. */
  eventSignal: AbortSignal;
  detachAbort(): void;
  detachForce(): void;
}

const createStopControl = (shares: readonly ShareHandle[], opts: RunPlanOptions, graceMs: number, log: (line: string) => void): StopControl => {
  let stopReason: string | null = null;
  const eventAbort = new AbortController();
  const stop = (reason: string, grace: number): void => {
    if (stopReason !== null) return;
    stopReason = reason;
    log(`stopping: ${reason}; waiting up to ${grace / 1000} s for requests in flight`);
    for (const sh of shares) sh.stop(reason, grace);
  };
  const onAbort = (): void => stop(typeof opts.signal?.reason === 'string' ? opts.signal.reason : 'interrupted', graceMs);
  const onForce = (): void => {
    eventAbort.abort();
    for (const sh of shares) sh.stop(stopReason ?? 'interrupted', 0);
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  opts.forceSignal?.addEventListener('abort', onForce, { once: true });
  if (opts.signal?.aborted) onAbort();
  return {
    stop, reason: () => stopReason, eventSignal: eventAbort.signal,
    detachAbort: () => opts.signal?.removeEventListener('abort', onAbort),
    detachForce: () => opts.forceSignal?.removeEventListener('abort', onForce),
  };
};

/** Runs a plan against the target and writes the run directory. See the module comment. */
export const runPlan = async (opts: RunPlanOptions): Promise<RunResult> => {
  // The watch starts before the shares settle, so that its thread's start-up (a new isolate: tens of ms
  // of a core) is over before time zero; and it is stopped on every way out, a throw included.
  const stallWatch = startStallWatch();
  try {
    return await runWatched(opts, stallWatch);
  } finally {
    await stallWatch.stop(Infinity);
  }
};

/**
 * How long after each whole second of the run the live line ticks, ms. The shares send their live
 * snapshots on their own one-second clocks, looked at every MAINTAIN_EVERY_MS (and deferred up to
 * MAX_DEFER_MS more at high rates): a tick this long after the second finds that second's snapshots.
 */
const LIVE_TICK_AFTER_MS = 250;

/**
 * Starts the live line's ticks; returns the function that stops them. It ticks once a second,
 * LIVE_TICK_AFTER_MS past each whole second of the run from the first on, each tick timed from the run's
 * clock (so a late timer does not push the later ones: an interval timer would drift), and shows the
 * whole second it is in. So it reads 1s, 2s, 3s, at a width that does not jump, and the profile's clock
 * and stage are those of the second shown. A tick more than a second late skips to the next slot.
 */
const startLiveTicks = (clock: RunClock, live: LiveTotals, opts: Pick<RunPlanOptions, 'plannedDurationMs' | 'onLive'>): (() => void) => {
  /** The first slot (a whole second plus LIVE_TICK_AFTER_MS, from 1 s on) after `nowMs`. */
  const nextSlotMs = (nowMs: number): number => Math.max(1, Math.floor((nowMs - LIVE_TICK_AFTER_MS) / 1000) + 1) * 1000 + LIVE_TICK_AFTER_MS;
  let slotMs = nextSlotMs(clock.nowMs());
  let cancel = (): void => {};
  const schedule = (): void => {
    cancel = clock.after(Math.max(0, slotMs - clock.nowMs()), () => {
      const status = live.tick(Math.floor(clock.nowMs() / 1000) * 1000, opts.plannedDurationMs);
      if (status !== null) opts.onLive?.(status);
      // The slot after this one (a timer that fired a fraction of a ms early does not serve it twice).
      slotMs = Math.max(slotMs + 1000, nextSlotMs(clock.nowMs()));
      schedule();
    });
  };
  schedule();
  return () => cancel();
};

/** The run itself, its stall watch already started (runPlan stops it). */
const runWatched = async (opts: RunPlanOptions, stallWatch: StallWatch): Promise<RunResult> => {
  const log = (line: string): void => opts.log?.(redact(line));
  const s = settingsOf(opts);
  const out = await createRunDir(opts);
  const meta = initialMeta(opts, s);
  await out.writeMeta(meta);

  const live = createLiveTotals(s.workers);
  let control: StopControl | null = null;
  const merger = new WindowMerger(s.workers, (records) => out.windows(records));
  const sink: MainSink = {
    windows: (share, seconds) => merger.add(share, seconds),
    live: (share, l) => live.add(share, l),
    requests: (records) => out.requests(records),
    dead: (reason) => control?.stop(reason, s.graceMs),
  };
  const shares = await startShares(opts, s, out, sink);

  const observers = createObserverSet(opts.observers ?? [], {
    runDir: out.dir, target: opts.target, scenario: opts.scenario ?? null, manifest: opts.manifest ?? null, log,
    ...(opts.reach ? { dispatcher: opts.reach.dispatcher, pins: opts.reach.pins } : {}),
  });
  const baseLeadMs = s.workers > 1 ? 300 : 50;
  const leadMs = opts.leadMs ?? baseLeadMs + ((opts.observers ?? []).length > 0 ? 500 : 0);
  const stops = createStopControl(shares, opts, s.graceMs, log);
  control = stops;
  if (s.warmupMs > 0) {
    // The warm-up is sent before the observers start: what they count (a database's statements,
    // a server's metrics) is the run's traffic. Its requests still in flight finish meanwhile.
    log(`warming up: the plan's first ${s.warmupMs / 1000} s, sent once before time zero and not measured`);
    const warmStartEpochMs = epochNowMs() + baseLeadMs;
    await Promise.all(shares.map((sh) => sh.warm(warmStartEpochMs)));
  }
  const t0EpochMs = await observers.start(leadMs);
  for (const sh of shares) sh.start(t0EpochMs);
  meta.started_at_ms = Math.round(t0EpochMs);
  const clock = opts.clock?.(t0EpochMs) ?? createRunClock(t0EpochMs);
  const context = { target: opts.target, runDir: out.dir, signal: stops.eventSignal, ...(opts.reach ? { dispatcher: opts.reach.dispatcher } : {}) };
  const events = scheduleEvents(opts.events ?? [], opts.actions ?? {}, context, clock, {
    write: (rec) => out.event(rec), told: (rec) => observers.onEvent(rec), stopped: () => stops.reason() !== null, log,
  });
  const stopLive = startLiveTicks(clock, live, opts);

  let results: Awaited<ShareHandle['done']>[];
  try {
    results = await Promise.all(shares.map((sh) => sh.done));
  } catch (e) {
    // A worker failed: stop the others before reporting it.
    stops.stop(`a worker failed: ${errorMessage(e)}`, 0);
    await Promise.allSettled(shares.map((sh) => sh.done));
    throw e;
  } finally {
    stopLive();
    events.cancel();
    stops.detachAbort();
  }
  const stalls = await stallWatch.stop(t0EpochMs);
  // Events still running: they end at their own timeout, or now on a forced stop.
  await Promise.all(events.running);
  stops.detachForce();
  merger.finish();
  await observers.stop();

  const summed = sumShares(results);
  out.tenants(mergeTenantRecords(results.flatMap((r) => r.tenants)));
  await out.finish();
  finishMeta(meta, summed, stalls, stops.reason(), opts.plannedDurationMs, log);
  await out.writeMeta(meta);
  return { dir: out.dir, meta, totals: summed.totals, events: events.records, abandoned: summed.abandoned };
};
