/**
 * `runPlan`: runs any stream of planned requests against a target and writes
 * the run directory (src/run/format.ts). The engine only dispatches, measures
 * and writes; where the requests come from is the plan's business
 * (src/traffic, or an access log).
 *
 * Order of a run: run directory and inputs → shares loaded (in process, or N
 * worker threads) → observers started → time zero → arrivals, events and the
 * live view → end of plan or stop (Ctrl-C, dead target) → grace period →
 * windows, tenants, events and run.json written → observers stopped.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Dispatcher } from 'undici';
import { InputError, ProdshapeError, errorMessage, inputError, isErrorCode, isInputCode } from '../core/errors.js';
import { redact, redactDeep } from '../core/secrets.js';
import { VERSION } from '../core/version.js';
import type { Manifest } from '../data/manifest.js';
import type { Observer, RunContext } from './observer.js';
import { RUN_FILES, type ErrorClass, type EventRecord, type RequestRecord, type RunMeta, type WindowRecord } from '../run/format.js';
import { createHistogram, decodeHistogram, maxMs, percentileMs, type Histogram } from '../run/histogram.js';
import { createNdjsonWriter, type NdjsonWriter } from '../run/ndjson.js';
import type { ProfileEvent } from '../scenario/profile.js';
import type { Action, Scenario } from '../scenario/scenario.js';
import { WHOLE_PLAN, type PlanShare } from '../traffic/arrivals.js';
import { createRunClock, epochNowMs, nap } from './clock.js';
import { fireEvent } from './events.js';
import { mergeTenantRecords, WindowMerger } from './merge.js';
import { loadRecipe, type PlanSource } from './plan-source.js';
import { emptyErrorCounts, type LiveSnapshot, type ShareTotals, type TrackedTenant } from './recorder.js';
import { deadTargetAfterMs, ShareRunner, type ShareResult } from './share.js';
import { publicTarget } from './target.js';
import type { PinnedHost } from './reach.js';
import type { WorkerInit } from './worker.js';
import type { MainMessage, WorkerMessage } from './worker-protocol.js';

/** Lag p99 above this (ms) means the generator, not the target, was the bottleneck. */
export const LAG_WARN_MS = 5;

/** One second of the live view. */
export interface LiveStatus {
  elapsedMs: number;
  totalMs: number;
  offeredRps: number;
  achievedRps: number;
  /** Latency percentiles of the requests completed in the last second. */
  p50Ms: number | null;
  p99Ms: number | null;
  /** Totals since the start. */
  errors: number;
  dropped: number;
  inflight: number;
}

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
  /** How long in-flight requests may finish after a stop, ms [5000]. */
  graceMs?: number;
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

/** A share of the run, in process or in a worker thread. */
interface ShareHandle {
  ready: Promise<void>;
  start(t0EpochMs: number): void;
  stop(reason: string, graceMs: number): void;
  done: Promise<Omit<ShareResult, 'lag'> & { lag: Histogram }>;
}

interface MainSink {
  windows(share: number, seconds: WindowRecord[][]): void;
  live(share: number, l: Omit<LiveSnapshot, 'latency'> & { latency: Histogram; inflight: number; atMs: number }): void;
  requests(records: RequestRecord[]): void;
  dead(reason: string): void;
}

const inProcessShare = (source: PlanSource, opts: RunPlanOptions, shareOpts: Omit<WorkerInit['options'], 'target'>, sink: MainSink): ShareHandle => {
  let runner: ShareRunner | null = null;
  let earlyStop: [string, number] | null = null;
  let resolveDone: (r: Awaited<ShareHandle['done']>) => void = () => undefined;
  let rejectDone: (e: unknown) => void = () => undefined;
  const done = new Promise<Awaited<ShareHandle['done']>>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });
  const streamP = source.stream !== undefined ? Promise.resolve(source.stream) : loadRecipe(source.recipe, WHOLE_PLAN);
  return {
    ready: streamP.then(() => undefined),
    start(t0EpochMs) {
      void streamP.then((stream) => {
        runner = new ShareRunner(stream, { ...shareOpts, target: opts.target, clock: createRunClock(t0EpochMs), ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}) }, {
          windows: (s) => sink.windows(0, s),
          live: (l) => sink.live(0, l),
          requests: (r) => sink.requests(r),
          dead: (reason) => sink.dead(reason),
        });
        if (earlyStop !== null) runner.stop(...earlyStop);
        runner.run().then(resolveDone, rejectDone);
      }, rejectDone);
    },
    stop(reason, graceMs) {
      if (runner === null) earlyStop = [reason, graceMs];
      else runner.stop(reason, graceMs);
    },
    done,
  };
};

const rebuildError = (m: Extract<WorkerMessage, { type: 'error' }>): Error => {
  if (m.problems !== null) return new InputError(m.problems, { ...(m.hint ? { hint: m.hint } : {}), ...(m.code !== null && isInputCode(m.code) ? { code: m.code } : {}) });
  if (m.code !== null && isErrorCode(m.code)) return new ProdshapeError(m.code, m.message, m.hint ? { hint: m.hint } : {});
  return new Error(`worker: ${m.message}`);
};

const workerShare = (source: PlanSource, share: PlanShare, options: WorkerInit['options'], sink: MainSink): ShareHandle => {
  if (source.recipe === undefined) throw new Error('--workers > 1 needs a plan recipe (a module and factory), not a stream');
  const init: WorkerInit = { recipe: source.recipe, share, options };
  const worker = spawnWorker(init);
  let readyRes: () => void = () => undefined;
  let readyRej: (e: unknown) => void = () => undefined;
  const ready = new Promise<void>((res, rej) => {
    readyRes = res;
    readyRej = rej;
  });
  let doneRes: (r: Awaited<ShareHandle['done']>) => void = () => undefined;
  let doneRej: (e: unknown) => void = () => undefined;
  const done = new Promise<Awaited<ShareHandle['done']>>((res, rej) => {
    doneRes = res;
    doneRej = rej;
  });
  let finished = false;
  worker.on('message', (m: WorkerMessage) => {
    switch (m.type) {
      case 'ready': readyRes(); break;
      case 'windows': sink.windows(share.index, m.seconds); break;
      case 'live': sink.live(share.index, { ...m.live, latency: decodeHistogram(m.live.latency) }); break;
      case 'requests': sink.requests(m.records); break;
      case 'dead': sink.dead(m.reason); break;
      case 'done':
        finished = true;
        doneRes({ ...m.result, lag: decodeHistogram(m.result.lag) });
        break;
      case 'error': {
        finished = true;
        const e = rebuildError(m);
        readyRej(e);
        doneRej(e);
        break;
      }
    }
  });
  worker.on('error', (e) => {
    finished = true;
    readyRej(e);
    doneRej(e);
  });
  worker.on('exit', (code) => {
    if (!finished) {
      const e = new Error(`worker ${share.index} exited with code ${code}`);
      readyRej(e);
      doneRej(e);
    }
  });
  const send = (m: MainMessage): void => worker.postMessage(m);
  return { ready, start: (t0EpochMs) => send({ type: 'start', t0EpochMs }), stop: (reason, graceMs) => send({ type: 'stop', reason, graceMs }), done };
};

/**
 * Starts a worker thread. Built (dist/) it runs worker.js; from the sources
 * (tsx, vitest) it registers tsx's loader in the thread first, then imports worker.ts.
 */
const spawnWorker = (init: WorkerInit): Worker => {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url), { workerData: init });
  // The ESM entry of tsx's API (require.resolve finds the CommonJS one beside it).
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const entry = new URL('./worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { eval: true, workerData: init });
};

const splitEven = (total: number, n: number, i: number): number => Math.floor(total / n) + (i < total % n ? 1 : 0);

/** Runs a plan against the target and writes the run directory. See the module comment. */
export const runPlan = async (opts: RunPlanOptions): Promise<RunResult> => {
  const dir = resolve(opts.outDir);
  const log = (line: string): void => opts.log?.(redact(line));
  if (opts.force !== true && existsSync(join(dir, RUN_FILES.meta))) {
    throw inputError('--out', `${dir} already holds a run`, { hint: 'choose another --out directory (or delete that one)', code: 'PS_OUT_EXISTS' });
  }
  await mkdir(dir, { recursive: true });
  if (opts.files?.scenarioText) await writeFile(join(dir, RUN_FILES.scenario), opts.files.scenarioText);
  if (opts.files?.profileText) await writeFile(join(dir, RUN_FILES.profile), opts.files.profileText);

  const workers = Math.max(1, Math.floor(opts.workers ?? 1));
  const connections = Math.max(workers, opts.connections ?? 100);
  const maxInflight = opts.maxInflight === undefined ? 10_000 : opts.maxInflight;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const graceMs = opts.graceMs ?? 5000;
  const meta: RunMeta = {
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
    workers,
    connections,
    max_inflight: maxInflight,
    interrupted: true,
    interrupt_reason: 'the run did not finish (the process ended first)',
    lag_ms: { p50: null, p99: null, max: null },
    generator_limited: false,
    extra: { timeout_ms: timeoutMs, grace_ms: graceMs, ...(opts.meta.extra ?? {}) },
  };
  const writeMeta = (): Promise<void> => writeFile(join(dir, RUN_FILES.meta), `${JSON.stringify(redactDeep(meta), null, 2)}\n`);
  await writeMeta();

  const windowsOut = createNdjsonWriter(join(dir, RUN_FILES.windows));
  const eventsOut = createNdjsonWriter(join(dir, RUN_FILES.events));
  const requestsOut: NdjsonWriter | null = opts.logRequestsFile ? createNdjsonWriter(resolve(opts.logRequestsFile)) : null;
  // Writes are queued in order; failures surface at the end.
  let writes: Promise<void> = Promise.resolve();
  const queue = (f: () => Promise<void>): void => {
    writes = writes.then(f);
  };

  // Live view: counters summed over shares between two ticks. Each share sends its snapshot on its own
  // 1 s clock, not in step with the tick, so rates divide by the time the snapshots cover (spanMs, per
  // share, on the run's clock), not by the time between ticks: else a tick that caught no snapshot would
  // show a second with nothing offered, and the next one twice the rate.
  const live = {
    offered: 0, sent: 0, dropped: 0, completed: 0, ok: 0, errors: 0, latency: createHistogram(), inflight: new Array<number>(workers).fill(0),
    spanMs: new Array<number>(workers).fill(0), lastAtMs: new Array<number>(workers).fill(0),
  };
  let stopAll: (reason: string, grace: number) => void = () => undefined;
  const merger = new WindowMerger(workers, (records) => queue(async () => {
    for (const r of records) await windowsOut.write(r);
  }));
  const sink: MainSink = {
    windows: (share, seconds) => merger.add(share, seconds),
    live: (share, l) => {
      live.offered += l.offered;
      live.sent += l.sent;
      live.dropped += l.dropped;
      live.completed += l.completed;
      live.ok += l.ok;
      live.errors += l.errors;
      live.latency.add(l.latency);
      live.inflight[share] = l.inflight;
      live.spanMs[share] = (live.spanMs[share] ?? 0) + Math.max(0, l.atMs - (live.lastAtMs[share] ?? 0));
      live.lastAtMs[share] = Math.max(live.lastAtMs[share] ?? 0, l.atMs);
    },
    requests: (records) => {
      if (requestsOut !== null) queue(async () => {
        for (const r of records) await requestsOut.write(r);
      });
    },
    dead: (reason) => stopAll(reason, graceMs),
  };

  const baseShareOpts = {
    timeoutMs, trackedTenants: opts.trackedTenants ?? null, logRequests: requestsOut !== null, deadAfterMs: deadTargetAfterMs(opts.plannedDurationMs),
    ...(opts.reach ? { pins: opts.reach.pins } : {}),
  };
  const shares: ShareHandle[] = [];
  for (let i = 0; i < workers; i++) {
    const shareOpts = {
      ...baseShareOpts,
      connections: splitEven(connections, workers, i),
      maxInflight: maxInflight === null ? null : Math.max(1, splitEven(maxInflight, workers, i)),
    };
    shares.push(workers === 1 ? inProcessShare(opts.plan, opts, shareOpts, sink) : workerShare(opts.plan, { index: i, count: workers }, { ...shareOpts, target: opts.target.href }, sink));
  }
  try {
    await Promise.all(shares.map((s) => s.ready));
  } catch (e) {
    for (const s of shares) s.stop('setup failed', 0);
    await Promise.allSettled(shares.map((s) => s.done));
    await Promise.allSettled([windowsOut.close(), eventsOut.close(), requestsOut?.close()]);
    throw e;
  }

  // Observers start before the first arrival. Time zero is set ahead of their start
  // (so their first snapshot has a sensible time), and pushed back if they were slow.
  const observers = opts.observers ?? [];
  const leadMs = opts.leadMs ?? (workers > 1 ? 300 : 50) + (observers.length > 0 ? 500 : 0);
  let t0EpochMs = epochNowMs() + leadMs;
  const observerAbort = new AbortController();
  const ctx: RunContext = {
    runDir: dir,
    startedAtMs: t0EpochMs,
    nowMs: () => epochNowMs() - t0EpochMs,
    target: opts.target,
    scenario: opts.scenario ?? null,
    manifest: opts.manifest ?? null,
    signal: observerAbort.signal,
    log,
    ...(opts.reach ? { dispatcher: opts.reach.dispatcher } : {}),
  };
  for (const o of observers) {
    try {
      await o.start(ctx);
    } catch (e) {
      log(`warning: observer ${o.name} failed to start: ${errorMessage(e)}`);
    }
  }
  if (epochNowMs() > t0EpochMs - 20) t0EpochMs = epochNowMs() + 50;
  ctx.startedAtMs = t0EpochMs;
  meta.started_at_ms = Math.round(t0EpochMs);
  const nowMs = (): number => epochNowMs() - t0EpochMs;

  let stopReason: string | null = null;
  const eventAbort = new AbortController();
  stopAll = (reason, grace) => {
    if (stopReason !== null) return;
    stopReason = reason;
    log(`stopping: ${reason}; waiting up to ${grace / 1000} s for requests in flight`);
    for (const s of shares) s.stop(reason, grace);
  };
  const onAbort = (): void => stopAll(typeof opts.signal?.reason === 'string' ? opts.signal.reason : 'interrupted', graceMs);
  const onForce = (): void => {
    eventAbort.abort();
    for (const s of shares) s.stop(stopReason ?? 'interrupted', 0);
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  opts.forceSignal?.addEventListener('abort', onForce, { once: true });
  if (opts.signal?.aborted) onAbort();

  for (const s of shares) s.start(t0EpochMs);

  // Events fire on the main thread at their intended time.
  const eventRecords: EventRecord[] = [];
  const running: Promise<void>[] = [];
  const eventTimers = (opts.events ?? []).map((ev) =>
    setTimeout(() => {
      if (stopReason !== null) return;
      // Timers work in whole milliseconds and may fire a fraction early: never start an event before its time.
      nap(Math.min(2, ev.atMs - nowMs()));
      log(`event ${ev.action} at ${(ev.atMs / 1000).toFixed(1)}s`);
      running.push(
        fireEvent(ev, opts.actions ?? {}, { target: opts.target, runDir: dir, signal: eventAbort.signal, ...(opts.reach ? { dispatcher: opts.reach.dispatcher } : {}) }, nowMs).then(async (rec) => {
          eventRecords.push(rec);
          log(`event ${rec.action}: ${rec.ok ? 'ok' : `failed (${rec.error ?? 'error'})`} in ${((rec.end_ms - rec.start_ms) / 1000).toFixed(2)} s`);
          queue(() => eventsOut.write(rec));
          for (const o of observers) {
            try {
              await o.onEvent?.(rec);
            } catch (e) {
              log(`warning: observer ${o.name} failed on event ${rec.action}: ${errorMessage(e)}`);
            }
          }
        }),
      );
    }, Math.max(0, t0EpochMs + ev.atMs - epochNowMs())),
  );

  const liveTotals = { errors: 0, dropped: 0 };
  const liveTimer = setInterval(() => {
    const spans = live.spanMs.filter((ms) => ms > 0);
    if (spans.length === 0) return; // no snapshot since the last tick: nothing new to show
    const dtS = Math.max(0.001, spans.reduce((a, b) => a + b, 0) / spans.length / 1000);
    live.spanMs.fill(0);
    const now = epochNowMs();
    opts.onLive?.({
      elapsedMs: now - t0EpochMs, totalMs: opts.plannedDurationMs,
      offeredRps: live.offered / dtS, achievedRps: live.ok / dtS,
      p50Ms: percentileMs(live.latency, 50), p99Ms: percentileMs(live.latency, 99),
      errors: (liveTotals.errors += live.errors), dropped: (liveTotals.dropped += live.dropped), inflight: live.inflight.reduce((a, b) => a + b, 0),
    });
    live.offered = live.sent = live.dropped = live.completed = live.ok = live.errors = 0;
    live.latency.reset();
  }, 1000);

  let results: Awaited<ShareHandle['done']>[];
  try {
    results = await Promise.all(shares.map((s) => s.done));
  } catch (e) {
    // A worker failed: stop the others before reporting it.
    stopAll(`a worker failed: ${errorMessage(e)}`, 0);
    await Promise.allSettled(shares.map((s) => s.done));
    throw e;
  } finally {
    clearInterval(liveTimer);
    for (const t of eventTimers) clearTimeout(t);
    opts.signal?.removeEventListener('abort', onAbort);
  }
  // Events still running: they end at their own timeout, or now on a forced stop.
  await Promise.all(running);
  opts.forceSignal?.removeEventListener('abort', onForce);
  merger.finish();
  observerAbort.abort();
  for (const o of observers) {
    try {
      await o.stop();
    } catch (e) {
      log(`warning: observer ${o.name} failed to stop: ${errorMessage(e)}`);
    }
  }

  const totals: ShareTotals = { offered: 0, sent: 0, dropped: 0, completed: 0, ok: 0, errors: emptyErrorCounts() };
  const lag = createHistogram();
  let abandoned = 0;
  let unsorted = 0;
  let cutShort = false;
  let stoppedAtMs = 0;
  for (const r of results) {
    totals.offered += r.totals.offered;
    totals.sent += r.totals.sent;
    totals.dropped += r.totals.dropped;
    totals.completed += r.totals.completed;
    totals.ok += r.totals.ok;
    for (const k of Object.keys(totals.errors) as ErrorClass[]) totals.errors[k] += r.totals.errors[k];
    lag.add(r.lag);
    abandoned += r.abandoned;
    unsorted += r.unsorted;
    cutShort ||= r.cutShort;
    stoppedAtMs = Math.max(stoppedAtMs, r.stoppedAtMs);
  }
  const tenantsOut = createNdjsonWriter(join(dir, RUN_FILES.tenants));
  queue(async () => {
    for (const t of mergeTenantRecords(results.flatMap((r) => r.tenants))) await tenantsOut.write(t);
  });
  await writes;
  await Promise.all([windowsOut.close(), eventsOut.close(), tenantsOut.close(), requestsOut?.close()]);

  // Stopped before the plan's end, or (stopped while draining) with requests given up: not a complete run.
  const interrupted = stopReason !== null && (cutShort || abandoned > 0);
  meta.interrupted = interrupted;
  meta.interrupt_reason = interrupted ? stopReason : null;
  meta.duration_s = Math.round((interrupted ? Math.min(stoppedAtMs, opts.plannedDurationMs) : opts.plannedDurationMs)) / 1000;
  const round = (x: number | null): number | null => (x === null ? null : Math.round(x * 1000) / 1000);
  meta.lag_ms = { p50: round(percentileMs(lag, 50)), p99: round(percentileMs(lag, 99)), max: round(maxMs(lag)) };
  meta.generator_limited = (meta.lag_ms.p99 ?? 0) > LAG_WARN_MS;
  meta.extra = { ...meta.extra, abandoned, unsorted_arrivals: unsorted, totals };
  if (abandoned > 0) log(`${abandoned} requests were still waiting at the stop: counted as failed (error class aborted), with their wait until then as latency`);
  if (unsorted > 0) log(`warning: ${unsorted} planned requests came earlier than the one before them (the plan was not sorted by time); they were sent as due`);
  await writeMeta();
  if (meta.generator_limited) {
    log(`WARNING: schedule lag p99 was ${meta.lag_ms.p99} ms (> ${LAG_WARN_MS} ms): the load generator, not the target, was the bottleneck.`);
    log('         Latencies include the generator\'s own delay. Give it a CPU of its own (other processes compete for it), use --workers, or lower --rate-scale.');
  }
  return { dir, meta, totals, events: eventRecords, abandoned };
};
