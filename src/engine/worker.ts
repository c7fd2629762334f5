/**
 * A worker thread of `--workers N`: loads its share of the plan from the
 * recipe, waits for the run's time zero, runs a ShareRunner and posts what it
 * measures to the main thread (closed seconds, live counters, request log,
 * and at the end its totals, lag and tenant histograms, encoded).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ProdshapeError, InputError, errorMessage } from '../core/errors.js';
import { encodeHistogram } from '../run/histogram.js';
import { loadRecipe, type PlanRecipe } from './plan-source.js';
import type { ShareOptions } from './share.js';
import { splitForWarmup, startShare, type StartedShare } from './warmup.js';
import type { PlanShare } from '../traffic/arrivals.js';
import type { WorkerMessage, MainMessage } from './worker-protocol.js';
import { settleBeforeZero } from './settle.js';

/** What the main thread passes to a worker. */
export interface WorkerInit {
  recipe: PlanRecipe;
  share: PlanShare;
  /** The share's options, and its warm-up before time zero, ms (0: none; warmup.ts). */
  options: Omit<ShareOptions, 'clock' | 'target' | 'dispatcher'> & { target: string; warmupMs: number };
}

const port = parentPort;
if (port === null) throw new Error('worker.ts runs as a worker thread only');
const init = workerData as WorkerInit;
const post = (m: WorkerMessage): void => port.postMessage(m);

const serializeError = (e: unknown): WorkerMessage => ({
  type: 'error',
  name: e instanceof Error ? e.name : 'Error',
  message: errorMessage(e),
  code: e instanceof ProdshapeError ? e.code : null,
  hint: e instanceof ProdshapeError ? (e.hint ?? null) : null,
  problems: e instanceof InputError ? e.problems : null,
  exitCode: e instanceof ProdshapeError ? e.exitCode : null,
});

let runner: StartedShare | null = null;
let pendingStop: { reason: string; graceMs: number } | null = null;

try {
  const { warmupMs, target, ...runnerOpts } = init.options;
  const split = await splitForWarmup(await loadRecipe(init.recipe, init.share), warmupMs);
  port.on('message', (m: MainMessage) => {
    if (m.type === 'stop') {
      if (runner === null) pendingStop = { reason: m.reason, graceMs: m.graceMs };
      else runner.stop(m.reason, m.graceMs);
      return;
    }
    runner = startShare(split, { ...runnerOpts, target: new URL(target) }, m.t0EpochMs, warmupMs, {
      windows: (seconds) => post({ type: 'windows', seconds }),
      live: (s) => post({ type: 'live', live: { ...s, latency: encodeHistogram(s.latency) } }),
      requests: (records) => post({ type: 'requests', records }),
      dead: (reason) => post({ type: 'dead', reason }),
    });
    if (pendingStop !== null) runner.stop(pendingStop.reason, pendingStop.graceMs);
    runner.done.then(
      (r) => {
        post({ type: 'done', result: { ...r, lag: encodeHistogram(r.lag) } });
        port.close();
      },
      (e: unknown) => {
        post(serializeError(e));
        port.close();
      },
    );
  });
  settleBeforeZero();
  post({ type: 'ready' });
} catch (e) {
  post(serializeError(e));
  port.close();
}
