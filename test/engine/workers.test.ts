import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runPlan } from '../../src/engine/index.js';
import { InputError } from '../../src/core/errors.js';
import { RUN_FILES, TENANT_WINDOW_S, type RequestRecord, type TenantRecord, type WindowRecord } from '../../src/run/format.js';
import { createHistogram, decodeHistogram, encodeHistogram, mergeHistograms, recordMs } from '../../src/run/histogram.js';
import type { ScenarioPlanArgs } from '../../src/traffic/scenario-plan.js';
import { startServer, type TestServer } from './servers.js';

let srv: TestServer;
afterAll(async () => srv?.close());

const readNd = <T>(file: string): T[] => readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as T);

describe('--workers', () => {
  it('splits the schedule between 2 threads and merges windows and tenants exactly', async () => {
    srv = await startServer((req, res) => setTimeout(() => res.end('ok'), req.url?.includes('slow') ? 5 : 0));
    const dir = mkdtempSync(join(tmpdir(), 'ps-workers-'));
    writeFileSync(join(dir, 'sizes.csv'), 'id,rows\n' + Array.from({ length: 50 }, (_, i) => `t${i},${Math.floor(5000 / (i + 1))}`).join('\n') + '\n');
    const scenarioFile = join(dir, 'sc.yaml');
    const text = 'name: w\ntenants: { csv: sizes.csv, id: id, rows: rows }\nendpoints:\n  - { name: fast, weight: 3, path: "/t/{tenant}/fast" }\n  - { name: slow, weight: 1, path: "/t/{tenant}/slow" }\n';
    writeFileSync(scenarioFile, text);
    const args: ScenarioPlanArgs = { scenarioFile, scenarioText: text, profile: { arrival: 'poisson', stages: [{ kind: 'ramp', durationMs: 4000, fromRps: 200, toRps: 600 }] }, dataDir: null, seed: 3 };
    const out = join(dir, 'run');
    const log = join(dir, 'requests.ndjson');
    const r = await runPlan({
      target: new URL(srv.url), outDir: out, workers: 2, logRequestsFile: log, plannedDurationMs: 4000,
      // The 20 biggest tracked, as the replay command tracks them from the tenant table (the first 16 also per window).
      trackedTenants: Array.from({ length: 20 }, (_, i) => ({ id: `t${i}`, rows: Math.floor(5000 / (i + 1)), tenantClass: i === 0 ? 'top1' : i < 5 ? 'top10' : 'rest' })),
      plan: { recipe: { module: pathToFileURL(join(import.meta.dirname, '../../src/traffic/scenario-plan.ts')).href, export: 'scenarioPlanFactory', args } },
      meta: { scenario: 'w', profile: 'ramp', seed: 3, speed: 1, rateScale: 1, arrival: 'poisson', endpoints: ['fast', 'slow'], slo: [] },
    });
    expect(r.meta.workers).toBe(2);
    expect(r.meta.interrupted).toBe(false);
    expect(r.totals.offered).toBeGreaterThan(1200);
    const reqs = readNd<RequestRecord>(log);
    const ws = readNd<WindowRecord>(join(out, RUN_FILES.windows));
    expect(reqs).toHaveLength(r.totals.offered);
    // Every (second, endpoint, class) window holds exactly the requests intended in it…
    const byKey = new Map<string, RequestRecord[]>();
    for (const q of reqs) {
      const k = `${Math.floor(q.intended_ms / 1000)}/${q.endpoint}`;
      byKey.set(k, [...(byKey.get(k) ?? []), q]);
    }
    const keys = new Set<string>();
    for (const w of ws) keys.add(`${w.t_s}/${w.endpoint}/${w.tenant_class}`);
    expect(keys.size).toBe(ws.length); // one record per key: the shares were merged
    for (const [k, qs] of byKey) {
      const [t, ep] = k.split('/');
      const wk = ws.filter((w) => w.t_s === Number(t) && w.endpoint === ep);
      expect(wk.reduce((s, w) => s + w.offered, 0)).toBe(qs.length);
      // …and its merged histogram equals one built from those requests' latencies.
      const fromLog = createHistogram();
      for (const q of qs) if (q.latency_ms !== null) recordMs(fromLog, q.latency_ms);
      const fromWindows = mergeHistograms(wk.map((w) => decodeHistogram(w.latency)));
      expect(fromWindows.totalCount).toBe(fromLog.totalCount);
      expect(encodeHistogram(fromWindows)).toBe(encodeHistogram(fromLog));
    }
    // Tenants: one record per (tenant, endpoint), with every request to that tenant.
    const tenants = readNd<TenantRecord>(join(out, RUN_FILES.tenants));
    expect(new Set(tenants.map((t) => `${t.tenant}/${t.endpoint}`)).size).toBe(tenants.length);
    for (const t of tenants) expect(t.requests).toBe(reqs.filter((q) => q.tenant === t.tenant && q.endpoint === t.endpoint).length);
    expect(tenants.find((t) => t.tenant === 't0')?.tenant_class).toBe('top1');
    // The biggest tenants also per window (merged across the workers): each window holds the requests intended in it.
    const windowed = tenants.filter((t) => t.windows !== undefined);
    expect(new Set(windowed.map((t) => t.tenant))).toEqual(new Set(Array.from({ length: 16 }, (_, i) => `t${i}`)));
    for (const t of windowed) {
      const mine = reqs.filter((q) => q.tenant === t.tenant && q.endpoint === t.endpoint);
      for (const w of t.windows!) expect(w.requests).toBe(mine.filter((q) => Math.floor(q.intended_ms / 1000 / TENANT_WINDOW_S) * TENANT_WINDOW_S === w.t_s).length);
      expect(t.windows!.reduce((s, w) => s + w.requests, 0)).toBe(t.requests);
    }
  });

  it('reports a worker\'s input error as the same InputError', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ps-workers-'));
    const text = 'name: w\nendpoints:\n  - { name: a, path: "/x/{nope}" }\n';
    const args: ScenarioPlanArgs = { scenarioFile: join(dir, 'bad.yaml'), scenarioText: text, profile: { arrival: 'poisson', stages: [{ kind: 'hold', durationMs: 1000, rateRps: 10 }] }, dataDir: null, seed: 1 };
    const e = await runPlan({
      target: new URL('http://127.0.0.1:9'), outDir: join(dir, 'run'), workers: 2, plannedDurationMs: 1000,
      plan: { recipe: { module: pathToFileURL(join(import.meta.dirname, '../../src/traffic/scenario-plan.ts')).href, export: 'scenarioPlanFactory', args } },
      meta: { scenario: 'w', profile: 'p', seed: 1, speed: 1, rateScale: 1, arrival: 'poisson', endpoints: ['a'], slo: [] },
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).message).toMatch(/bad\.yaml:3: endpoints\[0\]\.path: unknown placeholder "\{nope\}"/);
  });
});
