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
import { splitForWarmup, stageShare } from './warmup.js';
import type { PlanShare } from '../traffic/arrivals.js';
import type { WorkerMessage, MainMessage } from './worker-protocol.js';
import { settleBeforeZero } from './settle.js';

/** What the main thread passes to a worker. */
export interface WorkerInit {
  recipe: PlanRecipe;
  share: PlanShare;
  /** The share's options, and its warm-up before time zero, ms (0: none; warmup.ts). */
  options: Omit<ShareOptions, 'clock' | 'target' | 'dispatcher' | 'histogramPool'> & { target: string; warmupMs: number };
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

try {
  const { warmupMs, target, ...runnerOpts } = init.options;
  const split = await splitForWarmup(await loadRecipe(init.recipe, init.share), warmupMs);
  const staged = stageShare(split, { ...runnerOpts, target: new URL(target) }, {
    windows: (seconds) => post({ type: 'windows', seconds }),
    live: (s) => post({ type: 'live', live: { ...s, latency: encodeHistogram(s.latency) } }),
    requests: (records) => post({ type: 'requests', records }),
    dead: (reason) => post({ type: 'dead', reason }),
  });
  staged.done.then(
    (r) => {
      post({ type: 'done', result: { ...r, lag: encodeHistogram(r.lag) } });
      port.close();
    },
    (e: unknown) => {
      post(serializeError(e));
      port.close();
    },
  );
  port.on('message', (m: MainMessage) => {
    if (m.type === 'stop') staged.stop(m.reason, m.graceMs);
    else if (m.type === 'warm') void staged.warm(m.startEpochMs).then(() => post({ type: 'warmed' }));
    else staged.start(m.t0EpochMs);
  });
  settleBeforeZero();
  post({ type: 'ready' });
} catch (e) {
  post(serializeError(e));
  port.close();
}
