/**
 * The contract between the exporter and the importer, end to end without a k6
 * binary: export a script, play it the way k6 would (arrival times from its
 * ramping-arrival-rate stages, the script's own traffic() picking endpoints
 * and tenants, setup() and the event scenario), write the results as k6's JSON
 * output from two runners, import them, and read the report.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDurationMs } from '../../src/core/duration.js';
import { createRng } from '../../src/core/rng.js';
import { exportK6 } from '../../src/k6/export.js';
import { importK6Results } from '../../src/k6/import.js';
import { k6ExpectedIterations } from '../../src/k6/stages.js';
import { finishRun } from '../../src/report/index.js';
import { loadProfile, rateAtRps, transformProfile } from '../../src/scenario/profile.js';
import type { Report } from '../../src/analyze/types.js';
import { reportSchemaErrors } from '../helpers/schema.js';
import { k6Lines, writeK6File, type SimPoint, type SimRequest } from './k6-results.js';
import { FIXTURES } from './profiles.js';
import { k6ArrivalTimesMs, type K6StageOption } from './k6-arrivals.js';
import { loadShim } from './shim.js';

describe('k6 export → k6 results → prodshape report', () => {
  it('the exported script\'s requests come back as a report with every section of a native run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prodshape-k6-roundtrip-'));
    const script = join(dir, 'spike.ts');
    const exported = await exportK6(join(FIXTURES, 'orders.yaml'), join(FIXTURES, 'spike.yaml'), script, { speed: 10 });
    const rng = createRng(7, 'roundtrip');
    const shim = loadShim(script, { env: { TARGET: 'http://127.0.0.1:8080', API_TOKEN: 't0k3n' }, random: rng });
    const options = shim.exports.options as { scenarios: Record<string, { startRate?: number; timeUnit?: string; stages?: K6StageOption[]; startTime?: string; tags?: Record<string, string> }> };
    const traffic = options.scenarios.traffic;
    const arrivals = k6ArrivalTimesMs(traffic?.startRate ?? 0, (parseDurationMs(traffic?.timeUnit ?? '1s') ?? 1000) / 1000, traffic?.stages ?? []);
    expect(arrivals.length).toBe(Math.floor(k6ExpectedIterations(exported.plan.arrival)));

    const t0 = Date.UTC(2025, 0, 6, 9, 0, 0);
    shim.call('setup');
    const setupPoints: SimPoint[] = shim.samples.map((s) => ({ metric: s.metric, timeMs: t0 - 2, value: s.value, tags: { ...s.tags, group: '::setup', scenario: 'default' } }));
    // Latency by tenant size: the largest tenants are slow (a planted data skew).
    const latencyFor = (cls: string | undefined): number => ({ top1: 120, top10: 40, rest: 12, empty: 3 } as Record<string, number>)[cls ?? ''] ?? 2;
    const runners: SimRequest[][] = [[], []];
    arrivals.forEach((atMs, i) => {
      shim.call('traffic');
      const q = shim.requests[shim.requests.length - 1];
      if (q === undefined) throw new Error('traffic() sent nothing');
      // k6-operator gives each runner every other iteration (execution segments).
      runners[i % 2]?.push({
        sendMs: t0 + atMs, latencyMs: latencyFor(q.tags.tenant_class) * (0.8 + 0.4 * rng()), status: 200,
        tags: { ...q.tags, method: q.method, url: q.tags.name ?? q.url, scenario: 'traffic' },
      });
    });
    const deploy = options.scenarios.event_1_deploy;
    shim.call('action_deploy');
    const hook = shim.requests[shim.requests.length - 1];
    runners[0]?.push({
      sendMs: t0 + (parseDurationMs(deploy?.startTime ?? '') ?? NaN), latencyMs: 250, status: 200,
      tags: { ...hook?.tags, ...deploy?.tags, method: 'POST', scenario: 'event_1_deploy' },
    });
    const files = runners.map((reqs, i) => {
      const file = join(dir, `runner-${i + 1}.json${i === 1 ? '.gz' : ''}`);
      writeK6File(file, k6Lines(reqs, i === 0 ? setupPoints : [], { globalTags: { instance_id: String(i + 1), testrun_name: 'spike' } }), i === 1);
      return file;
    });

    const out = join(dir, 'run');
    const imported = await importK6Results(files, out);
    expect(imported.requests).toBe(arrivals.length);
    expect(imported.malformed.count).toBe(0);
    const { reportFile } = await finishRun(out, { print: () => undefined });
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as Report;
    expect(reportSchemaErrors(report)).toEqual([]);

    // Same sections as a native run, filled.
    expect(report.scenario).toBe('orders-fixture');
    expect(report.profile).toBe('spike-fixture');
    expect(report.summary.requests).toBe(arrivals.length);
    expect(report.endpoints.map((e) => e.name)).toEqual(['list-orders', 'dashboard', 'get-order', 'create-order', 'health']);
    // 14 s of arrivals; the last responses may complete in a 15th second.
    expect(report.timeline.length).toBeGreaterThanOrEqual(14);
    expect(report.timeline.length).toBeLessThanOrEqual(15);
    expect(report.events).toEqual([expect.objectContaining({ action: 'deploy', ok: true, t_s: 4.5 })]);
    expect(report.tenants.slowest.length).toBeGreaterThan(0);
    // The planted skew: the slowest tenants are the two largest (top 1%), named with their rows.
    expect(report.tenants.slowest.slice(0, 2).map((t) => [t.tenant, t.rows]).sort()).toEqual([['t0001', 100_000], ['t0002', 46_651]]);

    // The offered rate per second follows the profile (k6 spaces arrivals evenly: within 2 per second).
    const profile = transformProfile(await loadProfile(join(FIXTURES, 'spike.yaml')), { speed: 10 });
    for (const row of report.timeline) {
      let want = 0;
      for (let ms = row.t_s * 1000; ms < (row.t_s + 1) * 1000; ms += 1) want += rateAtRps(profile, ms - 2) / 1000;
      expect(Math.abs(row.offered_rps - want), `second ${row.t_s}`).toBeLessThanOrEqual(2);
    }
  });
});
