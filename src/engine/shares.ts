/**
 * A run's shares: the plan split over N worker threads (or run in process
 * when N = 1), each with its slice of the connections and of the in-flight
 * cap. Part of the engine's run (run.ts): each share dispatches and records
 * its part of the plan (share.ts) and reports to the main thread through a
 * `MainSink`.
 */
import type { Worker } from 'node:worker_threads';
import type { Dispatcher } from 'undici';
import { InputError, ProdshapeError, isErrorCode, isInputCode } from '../core/errors.js';
import { startModuleWorker } from '../core/module-start.js';
import type { RequestRecord, WindowRecord } from '../run/format.js';
import { decodeHistogram, type Histogram } from '../run/histogram.js';
import { WHOLE_PLAN, type PlanShare } from '../traffic/arrivals.js';
import { loadRecipe, type PlanSource } from './plan-source.js';
import type { LiveSnapshot } from './recorder.js';
import type { ShareResult } from './share.js';
import { splitForWarmup, stageShare, type StagedShare } from './warmup.js';
import { settleBeforeZero } from './settle.js';
import type { WorkerInit } from './worker.js';
import type { MainMessage, WorkerMessage } from './worker-protocol.js';

/** A share of the run, in process or in a worker thread. */
export interface ShareHandle {
  ready: Promise<void>;
  /** Starts the share's warm-up (its plan's first seconds, unmeasured) at `startEpochMs`; resolves once its arrivals are sent. */
  warm(startEpochMs: number): Promise<void>;
  start(t0EpochMs: number): void;
  stop(reason: string, graceMs: number): void;
  done: Promise<Omit<ShareResult, 'lag'> & { lag: Histogram }>;
}

/** Where shares report to the main thread. */
export interface MainSink {
  windows(share: number, seconds: WindowRecord[][]): void;
  live(share: number, l: Omit<LiveSnapshot, 'latency'> & { latency: Histogram; inflight: number; atMs: number }): void;
  requests(records: RequestRecord[]): void;
  dead(reason: string): void;
}

/** What each share is started with (its target is added as a URL in process, as text for a worker). */
export type ShareInit = Omit<WorkerInit['options'], 'target'>;

const inProcessShare = (source: PlanSource, target: URL, dispatcher: Dispatcher | undefined, shareOpts: ShareInit, sink: MainSink): ShareHandle => {
  let staged: StagedShare | null = null;
  let earlyStop: [string, number] | null = null;
  const { warmupMs, ...runnerOpts } = shareOpts;
  const stagedP = (source.stream !== undefined ? Promise.resolve(source.stream) : loadRecipe(source.recipe, WHOLE_PLAN))
    .then((stream) => splitForWarmup(stream, warmupMs))
    .then((split) => {
      staged = stageShare(split, { ...runnerOpts, target, ...(dispatcher ? { dispatcher } : {}) }, {
        windows: (s) => sink.windows(0, s),
        live: (l) => sink.live(0, l),
        requests: (r) => sink.requests(r),
        dead: (reason) => sink.dead(reason),
      });
      if (earlyStop !== null) staged.stop(...earlyStop);
      return staged;
    });
  return {
    ready: stagedP.then(() => void settleBeforeZero()),
    warm: (startEpochMs) => stagedP.then((st) => st.warm(startEpochMs), () => undefined),
    start(t0EpochMs) {
      void stagedP.then((st) => st.start(t0EpochMs), () => undefined);
    },
    stop(reason, graceMs) {
      if (staged === null) earlyStop = [reason, graceMs];
      else staged.stop(reason, graceMs);
    },
    done: stagedP.then((st) => st.done),
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
  let warmedRes: () => void = () => undefined;
  const warmed = new Promise<void>((res) => {
    warmedRes = res;
  });
  let finished = false;
  worker.on('message', (m: WorkerMessage) => {
    switch (m.type) {
      case 'ready': readyRes(); break;
      case 'warmed': warmedRes(); break;
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
  const warm = (startEpochMs: number): Promise<void> => {
    send({ type: 'warm', startEpochMs });
    // (A worker that fails or exits ends `done`; the wait for its warm-up ends with it.)
    return Promise.race([warmed, done.then(() => undefined, () => undefined)]);
  };
  return { ready, warm, start: (t0EpochMs) => send({ type: 'start', t0EpochMs }), stop: (reason, graceMs) => send({ type: 'stop', reason, graceMs }), done };
};

/**
 * Starts a worker thread. Built (dist/) it runs worker.js; from the sources
 * (tsx, vitest) it registers tsx's loader in the thread first, then imports worker.ts.
 */
const spawnWorker = (init: WorkerInit): Worker => startModuleWorker(import.meta.url, 'worker', init);

const splitEven = (total: number, n: number, i: number): number => Math.floor(total / n) + (i < total % n ? 1 : 0);

/**
 * One handle per share: `workers` of them, in process when 1 (the plan as a
 * stream or a recipe), else worker threads (a recipe only). Connections and
 * the in-flight cap are split evenly, each share getting at least one.
 */
export const createShares = (args: {
  plan: PlanSource; target: URL; workers: number; connections: number; maxInflight: number | null;
  dispatcher?: Dispatcher; common: Omit<ShareInit, 'connections' | 'maxInflight'>; sink: MainSink;
}): ShareHandle[] => {
  const { workers } = args;
  return Array.from({ length: workers }, (_, i) => {
    const shareOpts: ShareInit = {
      ...args.common,
      connections: splitEven(args.connections, workers, i),
      maxInflight: args.maxInflight === null ? null : Math.max(1, splitEven(args.maxInflight, workers, i)),
    };
    return workers === 1
      ? inProcessShare(args.plan, args.target, args.dispatcher, shareOpts, args.sink)
      : workerShare(args.plan, { index: i, count: workers }, { ...shareOpts, target: args.target.href }, args.sink);
  });
};
