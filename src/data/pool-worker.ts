/**
 * Worker thread entry: builds the faker pools of a dataset (the same pools
 * as on the main thread: they depend only on spec, seed and scale), so the
 * main thread can load tables that need none meanwhile. See dataset.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { planData } from './plan.js';
import { buildPools } from './pools.js';
import type { DataSpec } from '../scenario/data-spec.js';

const { spec, seed, scale } = workerData as { spec: DataSpec; seed: number | string; scale: number };
buildPools(planData(spec, seed, scale)).then(
  (pools) => parentPort?.postMessage({ pools }),
  // InputErrors (bad faker arguments) are rebuilt on the main thread, which reports them properly.
  (e: unknown) => parentPort?.postMessage({ error: e instanceof Error ? e.message : String(e) }),
);
