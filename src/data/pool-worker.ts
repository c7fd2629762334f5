/**
 * Worker thread entry: builds the faker pools of a dataset (the same pools
 * as on the main thread: they depend only on spec, seed and scale), posting
 * each table's as soon as they are done, so the main thread loads tables
 * meanwhile. See dataset.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { planData } from './plan.js';
import { buildPools } from './pools.js';
import type { DataSpec } from '../scenario/data-spec.js';

const { spec, seed, scale } = workerData as { spec: DataSpec; seed: number | string; scale: number };
buildPools(planData(spec, seed, scale), (table, pools) => parentPort?.postMessage({ table, pools })).then(
  () => parentPort?.postMessage({ done: true }),
  // InputErrors (bad faker arguments) are rebuilt on the main thread, which reports them properly.
  (e: unknown) => parentPort?.postMessage({ error: e instanceof Error ? e.message : String(e) }),
);
