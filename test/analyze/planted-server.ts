/**
 * The planted server itself (run in its own process by servers.ts, so its
 * timers never share an event loop with the load generator). One server,
 * three independent plants, each optional:
 *  - `pool`: every request holds one of N slots (FIFO) for `serviceMs`, so
 *    throughput saturates at exactly N / serviceMs; gauges on /metrics;
 *  - `skew`: requests to matching paths cost extra time proportional to the
 *    tenant's rows (spent outside the pool, so capacity stays N / serviceMs);
 *  - `cache`: a cache per tenant and endpoint (per path), warm at start,
 *    cleared by POST /admin/deploy. A miss loads the entry in `missMs`
 *    (outside the pool) through `loaders` parallel loaders, single-flight:
 *    requests for an entry being loaded wait for that load, and loads queue
 *    for a loader (a thundering-herd guard), so after a deploy the cache
 *    refills at loaders / missMs entries per second.
 * Paths look like /tenants/{tenant}/orders. Times are timer-based (no CPU burn).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PlantedOptions {
  /** Base cost of every request, ms (jitter ±20% added). */
  baseMs: number;
  pool?: { slots: number; serviceMs: number };
  skew?: { path: RegExp; msPerKRow: number; rows: Map<string, number> };
  /** Warm at start for every path in `keys` (e.g. /tenants/t001/orders); `loaders` defaults to unlimited. */
  cache?: { missMs: number; keys: string[]; loaders?: number };
}

/** What the server counts: requests served, deploys seen, cache misses, the longest pool queue. */
export interface PlantedStats { requests: number; deploys: number; misses: number; maxWaiting: number }

/** The options as they cross the process boundary (JSON: a RegExp as its source, a Map as entries). */
export interface PlantedWire {
  baseMs: number;
  pool?: { slots: number; serviceMs: number };
  skew?: { path: string; msPerKRow: number; rows: [string, number][] };
  cache?: { missMs: number; keys: string[]; loaders?: number };
}

export const toWire = (o: PlantedOptions): PlantedWire => ({
  baseMs: o.baseMs,
  ...(o.pool ? { pool: o.pool } : {}),
  ...(o.skew ? { skew: { path: o.skew.path.source, msPerKRow: o.skew.msPerKRow, rows: [...o.skew.rows] } } : {}),
  ...(o.cache ? { cache: o.cache } : {}),
});

const fromWire = (w: PlantedWire): PlantedOptions => ({
  baseMs: w.baseMs,
  ...(w.pool ? { pool: w.pool } : {}),
  ...(w.skew ? { skew: { path: new RegExp(w.skew.path), msPerKRow: w.skew.msPerKRow, rows: new Map(w.skew.rows) } } : {}),
  ...(w.cache ? { cache: w.cache } : {}),
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A FIFO pool of `slots` on the wall clock: each request takes the slot that
 * frees first, starts at max(now, freeAt) and holds it exactly `serviceMs`.
 * Slot times are computed, not timed, so a late timer delays only that
 * response, never the next start: throughput saturates at exactly
 * slots / serviceMs whatever the machine's load.
 */
const createPool = (slots: number, serviceMs: number): { reserve(): number; inUse(): number; waiting(): number } => {
  const freeAt = new Array<number>(slots).fill(0);
  let active: { start: number; finish: number }[] = [];
  const now = (): number => performance.now();
  const prune = (t: number): void => {
    if (active.length > 256) active = active.filter((a) => a.finish > t);
  };
  return {
    /** Reserves a slot; returns the ms until the response is due. */
    reserve: () => {
      const t = now();
      let best = 0;
      for (let i = 1; i < slots; i++) if ((freeAt[i] ?? 0) < (freeAt[best] ?? 0)) best = i;
      const start = Math.max(t, freeAt[best] ?? 0);
      const finish = start + serviceMs;
      freeAt[best] = finish;
      active.push({ start, finish });
      prune(t);
      return finish - t;
    },
    inUse: () => {
      const t = now();
      return active.filter((a) => a.start <= t && t < a.finish).length;
    },
    waiting: () => {
      const t = now();
      return active.filter((a) => a.start > t).length;
    },
  };
};

/** Creates the planted server (not listening yet). */
export const createPlantedServer = (opts: PlantedOptions): { server: Server; stats: PlantedStats } => {
  const pool = opts.pool ? createPool(opts.pool.slots, opts.pool.serviceMs) : null;
  const cache = new Set(opts.cache?.keys ?? []);
  // Entries being loaded → when they are due (performance.now ms); loaders → when each is free.
  const loading = new Map<string, number>();
  const loaders = new Array<number>(Math.max(1, Math.min(1000, opts.cache?.loaders ?? 1000))).fill(0);
  /** ms until `key` is loaded, starting (or joining) its load. */
  const load = (key: string, missMs: number): number => {
    const now = performance.now();
    const pending = loading.get(key);
    if (pending !== undefined) return Math.max(0, pending - now);
    let best = 0;
    for (let i = 1; i < loaders.length; i++) if ((loaders[i] ?? 0) < (loaders[best] ?? 0)) best = i;
    const due = Math.max(now, loaders[best] ?? 0) + missMs;
    loaders[best] = due;
    loading.set(key, due);
    setTimeout(() => {
      loading.delete(key);
      cache.add(key);
    }, due - now);
    return due - now;
  };
  const stats: PlantedStats = { requests: 0, deploys: 0, misses: 0, maxWaiting: 0 };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? '/';
    if (req.method === 'POST' && url === '/admin/deploy') {
      cache.clear();
      loading.clear();
      loaders.fill(0);
      stats.deploys++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"deployed":true}');
      return;
    }
    if (url === '/metrics') {
      const lines = pool && opts.pool
        ? [
          '# TYPE app_db_pool_in_use gauge', `app_db_pool_in_use{pool="main"} ${pool.inUse()}`,
          '# TYPE app_db_pool_waiting gauge', `app_db_pool_waiting{pool="main"} ${pool.waiting()}`,
          '# TYPE app_db_pool_size gauge', `app_db_pool_size{pool="main"} ${opts.pool.slots}`,
        ]
        : [];
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`${lines.join('\n')}\n`);
      return;
    }
    stats.requests++;
    const tenant = /^\/tenants\/([^/?]+)/.exec(url)?.[1] ?? '';
    let extraMs = opts.baseMs * (0.8 + 0.4 * Math.random());
    if (opts.skew && opts.skew.path.test(url)) extraMs += ((opts.skew.rows.get(tenant) ?? 0) / 1000) * opts.skew.msPerKRow;
    // Cache entries are per tenant and endpoint (the path after the tenant id).
    const key = url.split('?')[0] ?? url;
    if (opts.cache && !cache.has(key)) {
      stats.misses++;
      extraMs += load(key, opts.cache.missMs);
    }
    await sleep(extraMs);
    if (pool) {
      const dueMs = pool.reserve();
      stats.maxWaiting = Math.max(stats.maxWaiting, pool.waiting());
      await sleep(dueMs);
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(`{"tenant":${JSON.stringify(tenant)}}`);
  };
  const server = createServer((req, res) => {
    req.resume();
    handle(req, res).catch((e: unknown) => {
      res.writeHead(500).end(String(e));
    });
  });
  server.keepAliveTimeout = 60_000;
  return { server, stats };
};

// Run as a child process (servers.ts): listen on 127.0.0.1:0, report the port, answer stats requests, exit on disconnect.
if (process.send !== undefined && process.argv[2] === '--planted') {
  const { server, stats } = createPlantedServer(fromWire(JSON.parse(process.argv[3] ?? '{}') as PlantedWire));
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
  process.on('message', (m) => {
    if (m === 'stats') process.send?.({ stats });
  });
  process.on('disconnect', () => process.exit(0));
}

/** Zipf tenant sizes: `n` tenants, rows = round(topRows / rank), ids `t001`…. */
export const zipfSizes = (n: number, topRows: number): { id: string; rows: number }[] =>
  Array.from({ length: n }, (_, i) => ({ id: `t${String(i + 1).padStart(3, '0')}`, rows: Math.max(1, Math.round(topRows / (i + 1))) }));
