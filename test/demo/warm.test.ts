/**
 * The demo's warm start (src/demo/warm.ts) against a real HTTP server on
 * 127.0.0.1 that serves dashboards and counts the requests: computed through
 * the route once, restored from the snapshot after, recomputed when the
 * snapshot does not fit or is damaged, and never snapshotted when incomplete.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCache } from '../../src/demo/cache.js';
import { warmDashboardCache, warmTenantIds } from '../../src/demo/warm.js';

let server: Server;
let url = '';
let hits: string[] = [];
/** Tenants the server answers 503 for. */
let failing = new Set<string>();
const dir = mkdtempSync(join(tmpdir(), 'prodshape-warm-'));

beforeAll(async () => {
  server = createServer((req, res) => {
    const id = /^\/tenants\/([^/]+)\/dashboard$/.exec(req.url ?? '')?.[1] ?? '';
    hits.push(id);
    if (failing.has(id)) {
      res.writeHead(503).end('{"error":"busy"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ tenant: id, orders: Number(id) * 10 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  hits = [];
  failing = new Set();
});

const ids = ['7', '3', '12', '5'];

describe('warmTenantIds', () => {
  it('takes the biggest 1% of tenants, at least 50, biggest first', () => {
    const tenants = Array.from({ length: 20_000 }, (_, i) => ({ id: String(i + 1), rows: (i * 7919) % 20_000 }));
    const picked = warmTenantIds(tenants);
    expect(picked).toHaveLength(200);
    const rows = new Map(tenants.map((t) => [t.id, t.rows]));
    const pickedRows = picked.map((id) => rows.get(id) ?? -1);
    expect(pickedRows).toEqual([...pickedRows].sort((a, b) => b - a));
    expect(Math.min(...pickedRows)).toBeGreaterThanOrEqual(Math.max(...tenants.map((t) => t.rows)) - 200);
    expect(warmTenantIds(tenants.slice(0, 300))).toHaveLength(50);
  });
});

describe('warmDashboardCache', () => {
  it('computes through the route once, then restores the same bodies from the snapshot without a request', async () => {
    const file = join(dir, 'a', 'warm.json');
    const cache = createCache<string>();
    const first = await warmDashboardCache({ url, cache, tenantIds: ids, concurrency: 2, snapshotFile: file });
    expect(first).toMatchObject({ tenants: 4, source: 'computed' });
    expect([...hits].sort()).toEqual([...ids].sort());
    expect(existsSync(file)).toBe(true);

    hits = [];
    const again = createCache<string>();
    // Timed on its clock: two readings of a clock that moves 250 ms per reading.
    let readings = 0;
    const clock = { nowMs: () => readings++ * 250 };
    const second = await warmDashboardCache({ url, cache: again, tenantIds: ids, concurrency: 2, snapshotFile: file, clock });
    expect(second).toEqual({ tenants: 4, source: 'snapshot', ms: 250 });
    expect(hits).toEqual([]);
    for (const id of ids) expect(again.get(id)).toBe(cache.get(id));
    expect(JSON.parse(again.get('12') ?? 'null')).toEqual({ tenant: '12', orders: 120 });
  });

  it('recomputes (and rewrites) a snapshot made for other tenants, or damaged', async () => {
    const file = join(dir, 'b.json');
    await warmDashboardCache({ url, cache: createCache<string>(), tenantIds: ids.slice(0, 2), concurrency: 1, snapshotFile: file });
    hits = [];
    const other = await warmDashboardCache({ url, cache: createCache<string>(), tenantIds: ids, concurrency: 1, snapshotFile: file });
    expect(other.source).toBe('computed');
    expect(hits).toHaveLength(4);

    // A torn file, as a killed writer without the rename would leave.
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, 20));
    hits = [];
    const torn = await warmDashboardCache({ url, cache: createCache<string>(), tenantIds: ids, concurrency: 1, snapshotFile: file });
    expect(torn.source).toBe('computed');
    expect(hits).toHaveLength(4);
    expect((await warmDashboardCache({ url, cache: createCache<string>(), tenantIds: ids, concurrency: 1, snapshotFile: file })).source).toBe('snapshot');
  });

  it('keeps no snapshot of an incomplete warm-up, and none at all without a file', async () => {
    const file = join(dir, 'c.json');
    failing = new Set(['3']);
    const cache = createCache<string>();
    const r = await warmDashboardCache({ url, cache, tenantIds: ids, concurrency: 2, snapshotFile: file });
    expect(r).toMatchObject({ tenants: 3, source: 'computed' });
    expect(cache.get('3')).toBeUndefined();
    expect(existsSync(file)).toBe(false);

    failing = new Set();
    hits = [];
    const none = await warmDashboardCache({ url, cache: createCache<string>(), tenantIds: ids, concurrency: 2, snapshotFile: null });
    expect(none.source).toBe('computed');
    expect(hits).toHaveLength(4);
  });
});
