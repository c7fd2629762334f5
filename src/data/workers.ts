/**
 * Worker-thread chunk source: row ranges go to a pool of worker threads, and
 * chunks come back in row order. Every cell is a pure function of its row
 * position, so the bytes equal the main thread's whatever the worker count.
 * Up to two chunks per worker are in flight (memory stays bounded).
 */
import type { Worker } from 'node:worker_threads';
import { RunError } from '../core/errors.js';
import { startModuleWorker } from '../core/module-start.js';
import type { Dataset } from './compiled.js';
import { chunkRanges, type RowFormat } from './rows.js';
import { makeChunk, type Chunk, type ChunkSource } from './chunks.js';
import type { DataSpec } from '../scenario/data-spec.js';
import type { Pools } from './pools.js';

/** What a worker is started with (structured-clone data). */
export interface WorkerInit {
  scenario: string;
  spec: DataSpec;
  seed: number | string;
  scale: number;
  pools: Pools;
}

export interface WorkerRequest {
  id: number;
  table: string;
  formats: RowFormat[];
  start: number;
  end: number;
}

export type WorkerReply = { id: number; bytes: Partial<Record<RowFormat, Buffer>> } | { id: number; error: string };

/** Starts the worker module `name` (beside this file) with `data`, from dist/ or from the TypeScript sources. */
export const startWorker = (name: string, data: unknown): Worker => startModuleWorker(import.meta.url, name, data);

/** A chunk source over `count` worker threads (count >= 1). */
export const workerChunks = (ds: Dataset, count: number): ChunkSource => {
  const init: WorkerInit = { scenario: ds.scenario, spec: ds.spec, seed: ds.seed, scale: ds.scale, pools: ds.pools };
  const workers = Array.from({ length: Math.max(1, count) }, () => startWorker('worker', init));
  const waiting = new Map<number, { resolve: (c: WorkerReply) => void; reject: (e: Error) => void }>();
  let failed: Error | null = null;
  const failAll = (e: Error): void => {
    failed = e;
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
  };
  for (const w of workers) {
    w.on('message', (reply: WorkerReply) => {
      const p = waiting.get(reply.id);
      waiting.delete(reply.id);
      p?.resolve(reply);
    });
    w.on('error', (e) => failAll(new RunError('PS_WORKER', `a generator worker failed: ${e.message}`, { cause: e })));
    w.on('exit', (code) => {
      if (code !== 0 && failed === null) failAll(new RunError('PS_WORKER', `a generator worker exited with code ${code}`));
    });
  }
  let nextId = 0;
  const request = (w: Worker, req: Omit<WorkerRequest, 'id'>): Promise<WorkerReply> => {
    if (failed !== null) return Promise.reject(failed);
    const id = nextId++;
    const reply = new Promise<WorkerReply>((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      w.postMessage({ ...req, id } satisfies WorkerRequest);
    });
    // Requests still in flight when a consumer stops early are never awaited: mark them
    // handled here (an awaited one still throws to its awaiter).
    reply.catch(() => undefined);
    return reply;
  };
  return {
    async *chunks(t, formats, chunkRows): AsyncGenerator<Chunk> {
      const table = t.name;
      const rows = t.plan.rows;
      if (t.sortTime !== null) {
        // A time-ordered merge is sequential: made here, chunk after chunk.
        for (const [start, end] of chunkRanges(rows, chunkRows)) yield makeChunk(t, ds.spec.tenantTable, formats, start, end);
        return;
      }
      const ranges = chunkRanges(rows, chunkRows);
      const inFlight: { start: number; end: number; reply: Promise<WorkerReply> }[] = [];
      let k = 0;
      const refill = (): void => {
        while (inFlight.length < workers.length * 2) {
          const next = ranges.next();
          if (next.done === true) return;
          const [start, end] = next.value;
          inFlight.push({ start, end, reply: request(workers[k++ % workers.length] as Worker, { table, formats, start, end }) });
        }
      };
      refill();
      while (inFlight.length > 0) {
        const head = inFlight.shift();
        if (head === undefined) break;
        const reply = await head.reply;
        if ('error' in reply) throw new RunError('PS_WORKER', `a generator worker failed on ${table} rows ${head.start}-${head.end}: ${reply.error}`);
        refill();
        // Transferred Buffers arrive as plain Uint8Arrays: view them as Buffers again (no copy).
        const bytes: Partial<Record<RowFormat, Buffer>> = {};
        for (const [f, b] of Object.entries(reply.bytes) as [RowFormat, Uint8Array][]) bytes[f] = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
        yield { start: head.start, rows: head.end - head.start, bytes };
      }
    },
    async close() {
      failed ??= new RunError('PS_WORKER', 'the generator workers were closed');
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
};
