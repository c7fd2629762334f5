import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/data/manifest.js';
import { fitLog } from '../../src/traffic/fit/index.js';
import { openLogReplay, type LogReplayOptions, type LogReplaySource } from '../../src/traffic/logs/replay-source.js';
import type { PlannedRequest } from '../../src/traffic/plan.js';
import { pearson } from '../../src/traffic/fit/stats.js';
import { buildTenantTable, tenantsFromManifest } from '../../src/traffic/tenants.js';
import { sharedDataFile } from '../helpers/shared.js';
import { synthLines, synthRequests, type SynthEndpoint } from './synth.js';

const tmp = mkdtempSync(join(tmpdir(), 'prodshape-replay-src-'));
const T0 = Date.UTC(2024, 2, 4, 9);

const collect = async (src: LogReplaySource): Promise<PlannedRequest[]> => {
  const out: PlannedRequest[] = [];
  for await (const b of src.batches()) out.push(...b);
  return out;
};

const sorted = (rs: PlannedRequest[]): boolean => rs.every((r, i) => i === 0 || r.atMs >= (rs[i - 1] as PlannedRequest).atMs);

/** An nginx JSON log (ms times) with the given offsets from T0, written in the given line order. */
const jsonLog = (name: string, entries: { ms: number; method?: string; path: string; status?: number }[]): string => {
  const file = join(tmp, name);
  writeFileSync(file, entries.map((e) => JSON.stringify({ time_iso8601: new Date(T0 + e.ms).toISOString(), request_method: e.method ?? 'GET', request_uri: e.path, status: e.status ?? 200 })).join('\n'));
  return file;
};

const GAPS_MS = [0, 120, 125, 1500, 1510, 4000, 4003, 9000, 12_345, 20_000];

describe('a log as a replay stream', () => {
  it('plays requests at their recorded times divided by --speed, sorted even when the lines are not', async () => {
    // Written out of order (as at completion), within the reorder window.
    const order = [1, 0, 2, 4, 3, 5, 7, 6, 8, 9];
    const file = jsonLog('gaps.jsonl', order.map((i) => ({ ms: GAPS_MS[i] as number, path: `/r/${i}` })));
    const src = await openLogReplay(file, { speed: 10 });
    expect(src.plannedDurationMs).toBe(2000);
    expect(src.scan.kept).toBe(10);
    const reqs = await collect(src);
    expect(reqs.map((r) => r.atMs)).toEqual(GAPS_MS.map((ms) => ms / 10));
    expect(reqs.map((r) => r.path)).toEqual(GAPS_MS.map((_, i) => `/r/${i}`));
    expect(src.stats.reorder.late).toBe(0);
    expect(reqs[0]).toMatchObject({ method: 'GET', endpoint: 'get-r-id', tenant: null, tenantClass: 'none' });
  });

  it('triples the traffic with --rate-scale 3 by duplicating arrivals with jitter, keeping the shape', async () => {
    const rate = (t: number): number => (t < 60_000 ? 20 : t < 120_000 ? 60 : 20);
    const reqs = synthRequests({ rate, maxRps: 60, durationMs: 180_000, startMs: T0, endpoints: [{ method: 'GET', template: '/x', weight: 1 }], seed: 3 });
    reqs.forEach((r, i) => (r.path = `/x/${i}`));
    const file = join(tmp, 'shape.log');
    writeFileSync(file, synthLines(reqs, 'nginx-json', { maxDurationMs: 2000 }).join('\n'));
    const base = await collect(await openLogReplay(file, { speed: 2 }));
    const opts: LogReplayOptions = { speed: 2, rateScale: 3, jitterMs: 500 };
    const tripled = await collect(await openLogReplay(file, opts));
    expect(base).toHaveLength(reqs.length);
    expect(tripled).toHaveLength(3 * reqs.length);
    expect(sorted(tripled)).toBe(true);
    // Gaps are not shortened: the replay lasts as long as the base one (jitter aside).
    expect(Math.abs(tripled.at(-1)!.atMs - base.at(-1)!.atMs)).toBeLessThanOrEqual(250);
    // The same shape, three times as high, per 5 s of replay.
    const buckets = (rs: PlannedRequest[]): number[] => {
      const b = new Array<number>(18).fill(0);
      for (const r of rs) b[Math.min(17, Math.floor(r.atMs / 5000))]!++;
      return b;
    };
    const bb = buckets(base);
    const tb = buckets(tripled);
    expect(pearson(bb, tb)).toBeGreaterThan(0.99);
    tb.forEach((n, i) => expect(Math.abs(n / 3 - bb[i]!)).toBeLessThanOrEqual(Math.max(6, 0.1 * bb[i]!)));
    // Each base request is there three times: once at its own time, twice within the jitter (±500 ms log = ±250 ms replay).
    const byPath = new Map<string, number[]>();
    for (const r of tripled) byPath.set(r.path, [...(byPath.get(r.path) ?? []), r.atMs]);
    for (const r of base.slice(0, 200)) {
      const times = byPath.get(r.path) ?? [];
      expect(times).toContain(r.atMs);
      for (const t of times) expect(Math.abs(t - r.atMs)).toBeLessThanOrEqual(250 + 1e-9);
    }
  });

  it('scales by fractions: 1.5 adds half again, 0.5 keeps half', async () => {
    const reqs = synthRequests({ rate: () => 50, maxRps: 50, durationMs: 100_000, startMs: T0, endpoints: [{ method: 'GET', template: '/a', weight: 1 }], seed: 4 });
    const file = join(tmp, 'frac.log');
    writeFileSync(file, synthLines(reqs, 'combined').join('\n'));
    const n = reqs.length;
    const sd = Math.sqrt(n * 0.25);
    expect(Math.abs((await collect(await openLogReplay(file, { rateScale: 1.5 }))).length - 1.5 * n)).toBeLessThan(4 * sd);
    expect(Math.abs((await collect(await openLogReplay(file, { rateScale: 0.5 }))).length - 0.5 * n)).toBeLessThan(4 * sd);
  });

  it('replays only safe methods unless writes are allowed, and applies filters and maps', async () => {
    const file = jsonLog('mixed.jsonl', [
      { ms: 0, path: '/api/a' }, { ms: 10, method: 'POST', path: '/api/a', status: 201 }, { ms: 20, path: '/api/b', status: 500 },
      { ms: 30, method: 'HEAD', path: '/static/x.css' }, { ms: 40, method: 'DELETE', path: '/api/a/1', status: 204 },
    ]);
    expect((await collect(await openLogReplay(file))).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/a', 'GET /api/b', 'HEAD /static/x.css']);
    const all = await openLogReplay(file, { filter: { allowWrites: true } });
    expect((await collect(all)).map((r) => r.method)).toEqual(['GET', 'POST', 'GET', 'HEAD', 'DELETE']);
    const some = await collect(await openLogReplay(file, { filter: { paths: ['/v2/**'], statuses: ['!5xx'], maps: ['/api=/v2'] } }));
    expect(some.map((r) => r.path)).toEqual(['/v2/a']);
    const none = await openLogReplay(jsonLog('writes.jsonl', [{ ms: 0, method: 'POST', path: '/a' }])).catch((e: unknown) => e);
    expect(String(none)).toMatch(/no request to replay: .*1 by writes/);
  });

  it('names endpoints as fit does: the busiest 20 by template, the rest `other`', async () => {
    const endpoints: SynthEndpoint[] = Array.from({ length: 25 }, (_, i) => ({ method: 'GET', template: `/e${i}/{things.id}`, weight: 25 - i }));
    const reqs = synthRequests({ rate: () => 100, maxRps: 100, durationMs: 60_000, startMs: T0, endpoints, seed: 5 });
    const file = join(tmp, 'many.log');
    writeFileSync(file, synthLines(reqs, 'combined').join('\n'));
    const src = await openLogReplay(file);
    const fit = await fitLog(file);
    expect(src.endpoints).toEqual([...fit.scenarioEndpoints.map((t) => t.name), 'other']);
    const planned = await collect(src);
    const other = planned.filter((r) => r.endpoint === 'other').length;
    const expectedOther = fit.endpoints.templates.slice(20).reduce((s, t) => s + t.requests, 0);
    expect(other).toBe(expectedOther);
  });

  it('counts lines later than the reorder window and keeps order by clamping them', async () => {
    const file = jsonLog('late.jsonl', [{ ms: 0, path: '/a' }, { ms: 5000, path: '/b' }, { ms: 6500, path: '/c' }, { ms: 500, path: '/late' }, { ms: 7000, path: '/d' }]);
    const src = await openLogReplay(file, { reorderWindowMs: 1000 });
    const reqs = await collect(src);
    // /c at 6.5 s released /a and /b; /late (0.5 s) comes 4.5 s after /b was sent: it goes right after, counted.
    expect(reqs.map((r) => `${r.path}@${r.atMs}`)).toEqual(['/a@0', '/b@5000', '/late@5000', '/c@6500', '/d@7000']);
    expect(src.stats.reorder).toMatchObject({ late: 1 });
  });

  it('stops at --duration (in replay time)', async () => {
    const file = jsonLog('long.jsonl', GAPS_MS.map((ms, i) => ({ ms, path: `/r/${i}` })));
    const src = await openLogReplay(file, { speed: 2, durationLimitMs: 2000 });
    expect(src.plannedDurationMs).toBe(2000);
    expect((await collect(src)).map((r) => r.atMs)).toEqual([0, 60, 62.5, 750, 755, 2000]);
  });

  it('holds no more than the reorder window in memory', async () => {
    const reqs = synthRequests({ rate: () => 200, maxRps: 200, durationMs: 300_000, startMs: T0, endpoints: [{ method: 'GET', template: '/a/{a.id}', weight: 1 }], seed: 6 });
    const file = join(tmp, 'mem.log');
    writeFileSync(file, synthLines(reqs, 'combined', { maxDurationMs: 3000 }).join('\n'));
    const src = await openLogReplay(file, { reorderWindowMs: 5000 });
    let n = 0;
    let prev = -Infinity;
    for await (const b of src.batches()) {
      for (const r of b) {
        expect(r.atMs).toBeGreaterThanOrEqual(prev);
        prev = r.atMs;
        n++;
      }
    }
    expect(n).toBe(reqs.length);
    // 200 req/s × (5 s window + up to 3 s disorder + one second of CLF rounding), with room for Poisson bursts.
    expect(src.stats.reorder.peakHeld).toBeLessThan(200 * 9 * 1.3);
    expect(src.stats.reorder.late).toBe(0);
  });
});

describe('ids remapped onto a dataset', () => {
  const manifest: Manifest = {
    seed: 1, scenario: 'test', tables: { orders: 1000 }, tenant_table: 'orders',
    tenants: [
      { id: 'small', rows: 10, ranges: { orders: [991, 10] } },
      { id: 'big', rows: 600, ranges: { orders: [1, 600] } },
      { id: 'mid', rows: 390, ranges: { orders: [601, 390] } },
      { id: 'empty', rows: 0 },
    ],
  };

  it('maps the most requested tenants onto the largest, ids into their ranges, and lets no production id through', async () => {
    const prodIds = ['8812', '4242', '77777'];
    const entries: { ms: number; path: string }[] = [];
    let ms = 0;
    // 8812 is the busiest (6), then 4242 (3), then 77777 (1).
    for (const [tenant, n] of [['8812', 6], ['4242', 3], ['77777', 1]] as const) {
      for (let i = 0; i < n; i++) entries.push({ ms: (ms += 10), path: `/tenants/${tenant}/orders/${900_000 + i}?tenant_id=${tenant}&ref=5551234&page=2` });
    }
    entries.push({ ms: (ms += 10), path: '/reports/123456789/export' });
    const src = await openLogReplay(jsonLog('remap.jsonl', entries), { seed: 9 }, buildTenantTable(tenantsFromManifest(manifest)));
    const reqs = await collect(src);
    const byTenant = new Map<string, PlannedRequest[]>();
    for (const r of reqs) byTenant.set(r.tenant ?? 'none', [...(byTenant.get(r.tenant ?? 'none') ?? []), r]);
    expect([...byTenant.entries()].map(([t, rs]) => [t, rs.length])).toEqual([['big', 6], ['mid', 3], ['small', 1], ['none', 1]]);
    expect(byTenant.get('big')![0]!.tenantClass).toBe('top1');
    expect(byTenant.get('mid')![0]!.tenantClass).toBe('rest'); // 4 tenants: the top 10% is the largest alone
    expect(byTenant.get('small')![0]!.tenantClass).toBe('rest');
    for (const r of byTenant.get('mid')!) {
      const m = /^\/tenants\/mid\/orders\/(\d+)\?tenant_id=mid&ref=(\d+)&page=2$/.exec(r.path);
      expect(m, r.path).not.toBeNull();
      expect(Number(m![1])).toBeGreaterThanOrEqual(601);
      expect(Number(m![1])).toBeLessThan(991);
      expect(m![2]).toHaveLength(7);
    }
    const report = byTenant.get('none')![0]!;
    expect(report.path).toMatch(/^\/reports\/\d{9}\/export$/);
    for (const r of reqs) {
      for (const id of [...prodIds, '123456789', '5551234']) expect(r.path.split(/[/?&=]/)).not.toContain(id);
      for (let i = 0; i < 6; i++) expect(r.path).not.toContain(String(900_000 + i));
    }
    // The same production id always becomes the same staging id.
    const again = await collect(await openLogReplay(jsonLog('remap2.jsonl', entries), { seed: 9 }, buildTenantTable(tenantsFromManifest(manifest))));
    expect(again.map((r) => r.path)).toEqual(reqs.map((r) => r.path));
    expect(src.stats.remap.idsInRange).toBeGreaterThan(0);
    expect(src.stats.remap.idsPseudonymized).toBeGreaterThan(0);
  });

  it('without a dataset passes ids through and classes tenants by their requests in the log', async () => {
    const entries = [...Array.from({ length: 5 }, (_, i) => ({ ms: i, path: '/tenants/1/x' })), { ms: 10, path: '/tenants/2/x' }];
    const reqs = await collect(await openLogReplay(jsonLog('pass.jsonl', entries)));
    expect(reqs.map((r) => `${r.tenant}:${r.tenantClass}`)).toEqual([...new Array<string>(5).fill('1:top1'), '2:rest']);
    expect(reqs[0]!.path).toBe('/tenants/1/x');
  });
});

describe('the real Apache log as a replay', () => {
  it('plans its safe requests in order at --speed 100 with no late lines', async () => {
    const src = await openLogReplay(sharedDataFile('apache_logs.log'), { speed: 100 });
    expect(src.scan.kept).toBe(9995); // 5 POSTs are not replayed without --allow-writes
    expect(src.scan.filtered.writes).toBe(5);
    expect(src.plannedDurationMs).toBeCloseTo((Date.UTC(2015, 4, 20, 21, 5, 59) - Date.UTC(2015, 4, 17, 10, 5, 0)) / 100, 6);
    const reqs = await collect(src);
    expect(reqs).toHaveLength(9995);
    expect(sorted(reqs)).toBe(true);
    expect(src.stats.reorder.late).toBe(0);
    expect(src.endpoints[0]).toBe('get-favicon.ico');
    expect(src.endpoints.at(-1)).toBe('other');
  });
});
