/**
 * The worker thread that owns the embedded PGlite database. PGlite runs each
 * query synchronously inside WebAssembly, so in the main thread a 50 ms query
 * would freeze the HTTP server (no cache hits, no /metrics) for 50 ms; here it
 * only occupies this thread, as a database server's backend would.
 *
 * Protocol (pglite.ts is the only client): `WorkerRequest` in, `WorkerReply` out.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readFile, writeFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import type { WorkerInit, WorkerReply, WorkerRequest } from './pglite-protocol.js';

const port = parentPort;
if (port === null) throw new Error('pglite-worker.ts must run in a worker thread');

const init = workerData as WorkerInit;

const fail = (id: number, e: unknown): WorkerReply => {
  const o = (e ?? {}) as { message?: unknown; code?: unknown; detail?: unknown };
  return {
    id, ok: false,
    error: {
      message: typeof o.message === 'string' ? o.message : String(e),
      code: typeof o.code === 'string' ? o.code : null,
      detail: typeof o.detail === 'string' ? o.detail : null,
    },
  };
};

const start = async (): Promise<PGlite> => {
  const loadDataDir = init.tarball === null ? undefined : new Blob([await readFile(init.tarball)]);
  // A buffer cache smaller than the orders table, as in a production database whose tables outgrew its
  // memory: a big tenant's scan reads most of its pages from the file system, a small tenant's a few.
  return PGlite.create({ ...(loadDataDir === undefined ? {} : { loadDataDir }), relaxedDurability: true, postgresqlconf: ['shared_buffers = 16MB'] });
};

const dbReady = start();

const handle = async (msg: WorkerRequest): Promise<WorkerReply> => {
  const db = await dbReady;
  switch (msg.op) {
    case 'query': {
      const r = await db.query<Record<string, unknown>>(msg.sql, msg.params);
      return { id: msg.id, ok: true, rows: r.rows };
    }
    case 'exec':
      await db.exec(msg.sql);
      return { id: msg.id, ok: true, rows: [] };
    case 'copy': {
      const blob = new Blob([await readFile(msg.file)]);
      await db.query(msg.sql, [], { blob });
      return { id: msg.id, ok: true, rows: [] };
    }
    case 'dump': {
      const file = await db.dumpDataDir('gzip');
      await writeFile(msg.file, Buffer.from(await file.arrayBuffer()));
      return { id: msg.id, ok: true, rows: [] };
    }
    case 'close':
      await db.close();
      return { id: msg.id, ok: true, rows: [] };
  }
};

// Messages are handled one at a time, in order: PGlite is single-threaded anyway,
// and ordering keeps `close` after every query sent before it.
let chain: Promise<void> = dbReady.then(
  () => port.postMessage({ id: 0, ok: true, rows: [] } satisfies WorkerReply),
  (e: unknown) => port.postMessage(fail(0, e)),
);
port.on('message', (msg: WorkerRequest) => {
  chain = chain.then(async () => {
    let reply: WorkerReply;
    try {
      reply = await handle(msg);
    } catch (e) {
      reply = fail(msg.id, e);
    }
    port.postMessage(reply);
    if (msg.op === 'close' && reply.ok) port.close();
  });
});
