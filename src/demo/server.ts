/**
 * The demo's HTTP API (node:http), over a DemoDb. Routes:
 *
 *   GET  /tenants/:id/orders?status=pending&limit=10   the article's query and the total (data skew)
 *   GET  /tenants/:id/dashboard                        expensive aggregates behind an in-process cache (cold cache)
 *   POST /admin/deploy                                 empties the cache, as a restart would
 *   POST /admin/migrate[?analyze=false]                the legacy import + index (plan regression)
 *   POST /admin/analyze                                ANALYZE orders
 *   POST /admin/reset                                  undoes the migration, empties the cache
 *   GET  /metrics                                      Prometheus text format (metrics.ts)
 *   GET  /healthz                                      liveness and state (never touches the pool)
 *   GET  /                                             what this is and its routes
 *
 * Every database use checks a connection out of the one small pool
 * (pool saturation). Responses are JSON; errors are `{ "error": "…" }` with
 * 400 (bad parameter), 404, 405, 409 (an admin action already running),
 * 503 (pool exhausted) or 500.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monotonicClock, type Clock } from '../core/clock.js';
import { errorMessage } from '../core/errors.js';
import { createCache, type Cache, type CacheOptions } from './cache.js';
import { PoolTimeoutError, type DemoConn, type DemoDb, type Row } from './db.js';
import { createMetrics, type DemoMetrics } from './metrics.js';
import { DASHBOARD, ORDERS_TOTAL, PENDING_ORDERS } from './sql.js';
import { readMeta, runAnalyze, runMigration, undoMigration, META } from './admin.js';

export interface DemoServerOptions {
  db: DemoDb;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: a free one). */
  port?: number;
  cache?: CacheOptions;
  /** One line per admin action and per server error (default: stderr). */
  log?: (line: string) => void;
  /** Times requests and queries for /metrics; default the process's monotonic clock. */
  clock?: Clock;
}

export interface DemoServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  server: Server;
  cache: Cache<string>;
  metrics: DemoMetrics;
  /** Stops accepting, closes idle keep-alive connections and waits for in-flight requests. Leaves the database open. */
  close(): Promise<void>;
}

/** A client mistake: answered with its status and message. */
class HttpError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
  }
}

const TENANT_ID = /^\d{1,9}$/;
const STATUS = /^[a-z_]{1,32}$/;

/** `:id` of a tenant route: a positive integer (the schema's ids). */
export const parseTenantId = (raw: string): number => {
  if (!TENANT_ID.test(raw)) throw new HttpError(400, `tenant id must be a positive integer, got ${JSON.stringify(raw.slice(0, 40))}`);
  return Number(raw);
};

/** `?status=` (default pending) and `?limit=` (1..100, default 10) of the orders route. */
export const parseOrdersQuery = (q: URLSearchParams): { status: string; limit: number } => {
  const status = q.get('status') ?? 'pending';
  if (!STATUS.test(status)) throw new HttpError(400, `status must be a lower-case word such as pending, got ${JSON.stringify(status.slice(0, 40))}`);
  const limitRaw = q.get('limit') ?? '10';
  const limit = /^\d{1,3}$/.test(limitRaw) ? Number(limitRaw) : NaN;
  if (!(limit >= 1 && limit <= 100)) throw new HttpError(400, `limit must be an integer from 1 to 100, got ${JSON.stringify(limitRaw.slice(0, 40))}`);
  return { status, limit };
};

const send = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
};

const sendJson = (res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void =>
  send(res, status, JSON.stringify(value), headers);

/** Drains a request body we do not read (admin POSTs may carry one). */
const drain = (req: IncomingMessage): Promise<void> =>
  new Promise((resolve) => {
    if (req.readableEnded) {
      resolve();
      return;
    }
    req.on('end', resolve).on('error', () => resolve()).resume();
  });

interface Route {
  method: 'GET' | 'POST';
  /** Path pattern with `:id` segments; also the `route` label of the metrics. */
  pattern: string;
  regex: RegExp;
  handle: (params: string[], url: URL, res: ServerResponse) => Promise<void>;
}

const route = (method: Route['method'], pattern: string, handle: Route['handle']): Route => ({
  method, pattern, handle,
  regex: new RegExp(`^${pattern.replace(/:[a-z]+/g, '([^/]+)')}$`),
});

/** One server's state, shared by its routes. */
interface DemoState {
  db: DemoDb;
  log: (line: string) => void;
  cache: Cache<string>;
  metrics: DemoMetrics;
  /** The admin action running, or null. */
  adminBusy: string | null;
  /** Whether the migration is applied; kept in memory (read once at start) so /healthz never touches the pool. */
  migrated: boolean;
  /** Set by close(): errors of requests still queued are expected then. */
  closing: boolean;
  clock: Clock;
}

/** Runs a query and records its duration under `name`. */
const timedQuery = async (s: DemoState, c: DemoConn, name: string, sql: string, params: unknown[]): Promise<Row[]> => {
  const t0 = s.clock.nowMs();
  try {
    return await c.query(sql, params);
  } finally {
    s.metrics.query(name, (s.clock.nowMs() - t0) / 1000);
  }
};

/** Runs `fn` on a pooled connection, recording the wait for it. */
const withConn = <T>(s: DemoState, fn: (c: DemoConn) => Promise<T>): Promise<T> => s.db.withConnection(fn, (waitMs) => s.metrics.acquire(waitMs / 1000));

/**
 * Admin actions that change the database run one at a time: a second one
 * while the first runs gets 409. A deploy (`exclusive` false) only restarts
 * the application's side, so it may come while a migration runs, as a
 * release's restart follows its migration.
 */
const admin = async (s: DemoState, name: string, res: ServerResponse, run: () => Promise<unknown>, exclusive = true): Promise<void> => {
  if (exclusive && s.adminBusy !== null) throw new HttpError(409, `an admin action is running (${s.adminBusy}); try again when it finished`);
  if (exclusive) s.adminBusy = name;
  try {
    const result = await run();
    s.metrics.action(name);
    s.log(`prodshape demo: ${name}: ${JSON.stringify(result)}`);
    sendJson(res, 200, result);
  } finally {
    if (exclusive) s.adminBusy = null;
  }
};

const ordersRoute = (s: DemoState): Route =>
  route('GET', '/tenants/:id/orders', async ([id], url, res) => {
    const tenant = parseTenantId(id ?? '');
    const { status, limit } = parseOrdersQuery(url.searchParams);
    const body = await withConn(s, async (c) => {
      const orders = await timedQuery(s, c, 'pending_orders', PENDING_ORDERS, [tenant, status, limit]);
      const [count] = await timedQuery(s, c, 'orders_total', ORDERS_TOTAL, [tenant, status]);
      return { tenant, status, total: (count?.total as number | undefined) ?? 0, orders };
    });
    sendJson(res, 200, body);
  });

/** The dashboard's aggregates as JSON text, or null when the tenant does not exist. */
const dashboardBody = (s: DemoState, tenant: number): Promise<string | null> =>
  withConn(s, async (c) => {
    const [t] = await timedQuery(s, c, 'dashboard_tenant', DASHBOARD.tenant, [tenant]);
    if (t === undefined) return null;
    const byStatus = await timedQuery(s, c, 'dashboard_by_status', DASHBOARD.byStatus, [tenant]);
    const byMonth = await timedQuery(s, c, 'dashboard_by_month', DASHBOARD.byMonth, [tenant]);
    const topCustomers = await timedQuery(s, c, 'dashboard_top_customers', DASHBOARD.topCustomers, [tenant]);
    const [orderValue] = await timedQuery(s, c, 'dashboard_order_value', DASHBOARD.orderValue, [tenant]);
    const [customers] = await timedQuery(s, c, 'dashboard_customers', DASHBOARD.customers, [tenant]);
    return JSON.stringify({
      tenant: t, by_status: byStatus, by_month: byMonth, top_customers: topCustomers, order_value: orderValue ?? null, customers: customers ?? null,
      computed_at: new Date().toISOString(),
    });
  });

const dashboardRoute = (s: DemoState): Route =>
  route('GET', '/tenants/:id/dashboard', async ([id], _url, res) => {
    const tenant = parseTenantId(id ?? '');
    const key = String(tenant);
    const hit = s.cache.get(key);
    if (hit !== undefined) {
      s.metrics.cacheHit('dashboard');
      send(res, 200, hit, { 'x-cache': 'hit' });
      return;
    }
    s.metrics.cacheMiss('dashboard');
    const body = await dashboardBody(s, tenant);
    if (body === null) throw new HttpError(404, `no tenant ${tenant}`);
    s.cache.set(key, body);
    send(res, 200, body, { 'x-cache': 'miss' });
  });

const adminRoutes = (s: DemoState): Route[] => [
  route('POST', '/admin/deploy', (_p, _url, res) => admin(s, 'deploy', res, () => Promise.resolve({ deployed: true, cache_entries_dropped: s.cache.clear() }), false)),
  route('POST', '/admin/migrate', (_p, url, res) => {
    const a = url.searchParams.get('analyze');
    if (a !== null && !['true', 'false', '1', '0'].includes(a)) throw new HttpError(400, `analyze must be true or false, got ${JSON.stringify(a.slice(0, 40))}`);
    return admin(s, 'migrate', res, async () => {
      try {
        return await runMigration(s.db, { analyze: a === null || a === 'true' || a === '1' });
      } finally {
        // Also after a failure half-way: the meta table says what needs undoing.
        s.migrated = (await readMeta(s.db)).has(META.legacyTenant);
      }
    });
  }),
  route('POST', '/admin/analyze', (_p, _url, res) => admin(s, 'analyze', res, () => runAnalyze(s.db))),
  route('POST', '/admin/reset', (_p, _url, res) => admin(s, 'reset', res, async () => {
    const undone = await undoMigration(s.db);
    s.migrated = false;
    return { ...undone, cache_entries_dropped: s.cache.clear() };
  })),
];

/** /metrics, /healthz and / (which lists `routes`, itself included once the list is complete). */
const serviceRoutes = (s: DemoState, routes: Route[]): Route[] => [
  route('GET', '/metrics', async (_p, _url, res) => {
    const text = await s.metrics.scrape();
    res.writeHead(200, { 'content-type': s.metrics.contentType, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }),
  route('GET', '/healthz', (_p, _url, res) => {
    sendJson(res, 200, { status: 'ok', backend: s.db.backend, pool: s.db.poolStats(), migrated: s.migrated, cache_entries: s.cache.size() });
    return Promise.resolve();
  }),
  route('GET', '/', (_p, _url, res) => {
    sendJson(res, 200, {
      service: 'prodshape demo: a staging-like API with four planted production-only bugs',
      backend: s.db.backend,
      pool_size: s.db.poolSize,
      routes: routes.map((r) => `${r.method} ${r.pattern}`),
    });
    return Promise.resolve();
  }),
];

const demoRoutes = (s: DemoState): Route[] => {
  const routes: Route[] = [ordersRoute(s), dashboardRoute(s), ...adminRoutes(s)];
  routes.push(...serviceRoutes(s, routes));
  return routes;
};

/** Answers a thrown error: its status for an HttpError, 503 for an exhausted pool, else 500 (logged). */
const sendError = (s: DemoState, req: IncomingMessage, res: ServerResponse, path: string, e: unknown): void => {
  if (e instanceof HttpError) sendJson(res, e.status, { error: e.message }, e.headers);
  else if (e instanceof PoolTimeoutError) sendJson(res, 503, { error: e.message }, { 'retry-after': '1' });
  else {
    // While stopping, requests still queued for the database fail as it closes: expected, not worth a line each.
    if (!s.closing) s.log(`prodshape demo: ${req.method ?? '?'} ${path} failed: ${errorMessage(e)}`);
    if (!res.headersSent) sendJson(res, 500, { error: `internal error: ${errorMessage(e)}` });
    else res.destroy();
  }
};

/** Routes one request (405 for a known path with another method, 404 for an unknown one) and records it. */
const handleRequest = async (s: DemoState, routes: Route[], req: IncomingMessage, res: ServerResponse): Promise<void> => {
  const t0 = s.clock.nowMs();
  const url = new URL(req.url ?? '/', 'http://demo.invalid');
  const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
  const matches = routes.filter((r) => r.regex.test(path));
  const r = matches.find((m) => m.method === req.method || (req.method === 'HEAD' && m.method === 'GET'));
  let label = r?.pattern ?? (matches[0]?.pattern ?? 'unmatched');
  try {
    if (req.method === 'POST') await drain(req);
    if (r === undefined) {
      if (matches.length > 0) throw new HttpError(405, `${req.method ?? '?'} is not allowed on ${path}`, { allow: matches.map((m) => m.method).join(', ') });
      label = 'unmatched';
      throw new HttpError(404, `no route ${req.method ?? '?'} ${path}; GET / lists the routes`);
    }
    await r.handle(r.regex.exec(path)?.slice(1) ?? [], url, res);
  } catch (e) {
    sendError(s, req, res, path, e);
  } finally {
    s.metrics.request(label, req.method ?? '?', res.statusCode, (s.clock.nowMs() - t0) / 1000);
  }
};

/** Starts the demo's HTTP server on a DemoDb; resolves once it listens. */
export const startDemoServer = async (opts: DemoServerOptions): Promise<DemoServer> => {
  const { db } = opts;
  const cache = createCache<string>(opts.cache);
  const s: DemoState = {
    db, cache,
    log: opts.log ?? ((line: string) => process.stderr.write(`${line}\n`)),
    metrics: createMetrics({ backend: db.backend, pool: () => db.poolStats(), cacheEntries: () => ({ dashboard: cache.size() }) }),
    adminBusy: null,
    migrated: (await readMeta(db)).has(META.legacyTenant),
    closing: false,
    clock: opts.clock ?? monotonicClock,
  };
  const routes = demoRoutes(s);
  const server = createServer((req, res) => {
    void handleRequest(s, routes, req, res);
  });
  // Longer than undici's default keep-alive (4 s), so the client closes idle sockets first.
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    port: addr.port,
    server,
    cache,
    metrics: s.metrics,
    close: () =>
      new Promise<void>((resolve, reject) => {
        s.closing = true;
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeIdleConnections();
      }),
  };
};
