/**
 * Worker thread entry: rebuilds the dataset from its spec, seed, scale and
 * pools (deterministic, so it equals the main thread's), then makes the row
 * ranges it is asked for. See workers.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { planData } from './plan.js';
import { compileDataset } from './columns.js';
import { makeChunk } from './chunks.js';
import { tableOf, type Dataset } from './dataset.js';
import type { WorkerInit, WorkerReply, WorkerRequest } from './workers.js';

const init = workerData as WorkerInit;
const plan = planData(init.spec, init.seed, init.scale);
const ds: Dataset = {
  scenario: init.scenario, spec: init.spec, seed: init.seed, scale: init.scale, scenarioHash: '',
  plan, pools: init.pools, tables: compileDataset(plan, init.pools),
};

parentPort?.on('message', (req: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    const c = makeChunk(tableOf(ds, req.table), ds.spec.tenantTable, req.formats, req.start, req.end);
    reply = { id: req.id, bytes: c.bytes };
  } catch (e) {
    reply = { id: req.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  // Chunk buffers are at least 64 KiB, so each owns its ArrayBuffer (never Buffer's shared
  // pool): move it, do not copy it.
  const transfer = 'bytes' in reply ? Object.values(reply.bytes).filter((b) => b.byteOffset === 0 && b.buffer.byteLength >= 65_536).map((b) => b.buffer as ArrayBuffer) : [];
  parentPort?.postMessage(reply, transfer);
});
