/**
 * Exported scripts run by a real k6 (v0.47.0, so the JavaScript form) against
 * servers on 127.0.0.1, and their results imported back with
 * `report --from-k6`: the path a user takes when a test outgrows one machine.
 * Shipped profiles are compressed (`--speed`) and scaled down (`--rate-scale`)
 * so each k6 run takes seconds. Without a k6 that can run here the tests skip,
 * saying why; under `npm run ci` (PRODSHAPE_REQUIRE_TEST_DEPS=1) they fail.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { exportK6 } from '../../src/k6/export.js';
import { importK6Results } from '../../src/k6/import.js';
import { DATA_CLASSES } from '../../src/k6/plan.js';
import { finishRun } from '../../src/report/index.js';
import { k6ExpectedIterations, profileToK6Arrival } from '../../src/k6/stages.js';
import { expectedArrivals, loadProfile, transformProfile, type Profile } from '../../src/scenario/profile.js';
import type { Report } from '../../src/analyze/types.js';
import { ensureBuilt, runCli } from '../helpers/cli.js';
import { k6Binary } from '../helpers/shared.js';
import { k6ArrivalTimesMs } from './k6-arrivals.js';
import { FIXTURES } from './profiles.js';
import { readK6Points, runK6, startTarget, trafficRequests, type Target } from './real-k6.js';

const k6 = k6Binary();
const TMP = join(PACKAGE_ROOT, 'test', 'tmp');
const shippedProfile = (name: string): string => join(PACKAGE_ROOT, 'profiles', `${name}.yaml`);

/** What k6 will do for a profile: its arrival stages, iterations and arrival times (ms from the scenario's start). */
const k6Plan = async (profileFile: string, speed: number, rateScale: number): Promise<{ profile: Profile; iterations: number; arrivalsMs: number[] }> => {
  const profile = transformProfile(await loadProfile(profileFile), { speed, rateScale });
  const a = profileToK6Arrival(profile);
  const stages = a.stages.map((st) => ({ duration: `${st.durationMs}ms`, target: st.target }));
  return { profile, iterations: Math.floor(k6ExpectedIterations(a)), arrivalsMs: k6ArrivalTimesMs(a.startRate, a.timeUnitS, stages) };
};

/** `prodshape k6 …` (the built CLI); fails the test with its output when it does not exit 0. */
const exportScript = async (args: string[]): Promise<void> => {
  const r = await runCli(['k6', ...args]);
  expect(r.code, r.stderr).toBe(0);
};

describe.skipIf(k6.path === null)(`exported scripts on a real k6${k6.skip === null ? '' : ` (skipped: ${k6.skip})`}`, () => {
  const bin = k6.path ?? '';
  let target: Target | null = null;
  beforeAll(() => ensureBuilt(), 120_000);
  afterEach(async () => {
    await target?.close();
    target = null;
  });

  it('monday-9am on the demo scenario: per-stage counts follow the plan, tags are set, deploy fires on time, a failed SLO exits 99 in k6 and 2 in the report', async () => {
    const dir = mkdtempSync(join(TMP, 'k6-real-'));
    const speed = 480;
    const rateScale = 0.5;
    // dashboard answers in 20 ms, list-orders at once: `dashboard:p99<5ms` must fail, list-orders's must pass.
    const t = await startTarget((path) => (path.endsWith('/dashboard') ? 20 : 0));
    target = t;
    const script = join(dir, 'monday.js');
    await exportScript(['--scenario', 'demo', '--profile', 'monday-9am', '--data', FIXTURES, '--out', script, '--speed', String(speed), '--rate-scale', String(rateScale),
      '--slo', 'dashboard:p99<5ms', '--slo', 'list-orders:p99<5s']);
    const results = join(dir, 'results.json.gz');
    const run = await runK6(bin, ['-e', `TARGET=${t.url}`, '--out', `json=${results}`, script]);
    expect(run.stderr).toMatch(/thresholds on metrics 'http_req_duration\{endpoint:dashboard\}' have been crossed/);
    expect(run.stderr).not.toMatch(/endpoint:list-orders\}' have been crossed/);
    expect(run.code, run.stderr).toBe(99);

    const plan = await k6Plan(shippedProfile('monday-9am'), speed, rateScale);
    const sent = trafficRequests(readK6Points(results));
    // k6 sends the iterations its stages integrate to (it has VUs to spare at these rates), less at
    // most 2: k6 v0.47 may leave out the iteration(s) due at the very end (measured: 698 of 700).
    expect(plan.iterations - sent.length, `${sent.length} sent of ${plan.iterations}`).toBeGreaterThanOrEqual(0);
    expect(plan.iterations - sent.length, `${sent.length} sent of ${plan.iterations}`).toBeLessThanOrEqual(2);
    // Time zero: the first request's send time minus when k6 plans it.
    const t0 = (sent[0]?.sendMs ?? NaN) - (plan.arrivalsMs[0] ?? NaN);
    let stageStartMs = 0;
    for (const [i, st] of plan.profile.stages.entries()) {
      const endMs = stageStartMs + st.durationMs;
      const want = expectedArrivals(plan.profile, stageStartMs, endMs);
      const got = sent.filter((q) => q.sendMs - t0 >= stageStartMs && q.sendMs - t0 < endMs).length;
      // Tolerance: 3 standard deviations of a Poisson count (what prodshape's own Poisson arrivals
      // would vary by), plus 1 for the iteration on a stage boundary.
      expect(Math.abs(got - want), `stage ${i + 1}: ${got} sent, ${want.toFixed(1)} planned`).toBeLessThanOrEqual(3 * Math.sqrt(want) + 1);
      stageStartMs = endMs;
    }

    // Every request carries its endpoint and tenant size class; the largest tenants carry their id.
    const endpoints = new Set(sent.map((q) => q.tags.endpoint));
    const classes = new Set(sent.map((q) => q.tags.tenant_class));
    expect([...endpoints].sort()).toEqual(['dashboard', 'list-orders']);
    for (const c of classes) expect(DATA_CLASSES).toContain(c);
    expect(classes).toContain('top1');
    expect(classes).toContain('rest');
    expect(sent.filter((q) => q.tags.tenant_class === 'top1').every((q) => q.tags.tenant === 't0001' || q.tags.tenant === 't0002')).toBe(true);

    // The night-time release (deploy at 6m, migrate at 12m: 750 and 1,500 ms at --speed 480) reaches the
    // target once each, at its time on the target's clock.
    const firstTraffic = t.hits.find((h) => h.method === 'GET');
    const zeroMs = (firstTraffic?.atMs ?? NaN) - (plan.arrivalsMs[0] ?? NaN);
    expect(plan.profile.events.map((e) => e.action)).toEqual(['deploy', 'migrate']);
    for (const event of plan.profile.events) {
      const hits = t.hits.filter((h) => h.method === 'POST' && h.path === `/admin/${event.action}`);
      expect(hits, event.action).toHaveLength(1);
      const atMs = (hits[0]?.atMs ?? NaN) - zeroMs;
      // Margin: 150 ms for k6 starting the event's VU and the loopback round trip on a busy machine.
      expect(Math.abs(atMs - event.atMs), `${event.action} at ${atMs.toFixed(0)} ms`).toBeLessThanOrEqual(150);
    }

    // The same SLO fails in prodshape's report of k6's results: exit 2.
    const out = join(dir, 'run');
    const rep = await runCli(['report', '--from-k6', results, '--out', out], { env: { NO_COLOR: '1' } });
    expect(rep.stdout).toMatch(/FAIL dashboard:p99<5ms/);
    expect(rep.stdout).toMatch(/pass list-orders:p99<5s/);
    expect(rep.code, rep.stderr).toBe(2);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
    expect(report.summary.requests).toBe(sent.length);
    expect(report.events).toEqual([expect.objectContaining({ action: 'deploy', ok: true }), expect.objectContaining({ action: 'migrate', ok: true })]);
  });

  it('spike-3x split over 2 and 3 runners with execution segments: each runner sends its share, together they send the plan and the merged report counts every request once', async () => {
    const dir = mkdtempSync(join(TMP, 'k6-segments-'));
    const speed = 42;
    const rateScale = 0.2;
    const t = await startTarget();
    target = t;
    const script = join(dir, 'spike.js');
    await exportK6(join(PACKAGE_ROOT, 'scenarios', 'demo.yaml'), shippedProfile('spike-3x'), script, { dataDir: FIXTURES, speed, rateScale });
    const plan = await k6Plan(shippedProfile('spike-3x'), speed, rateScale);
    for (const n of [2, 3]) {
      // What k6-operator gives runner i of n: --execution-segment i/n:(i+1)/n over the sequence 0,1/n,…,1.
      const bounds = Array.from({ length: n + 1 }, (_, i) => (i === 0 ? '0' : i === n ? '1' : `${i}/${n}`));
      const files = bounds.slice(0, n).map((_, i) => join(dir, `n${n}-runner-${i + 1}.json`));
      const runs = await Promise.all(files.map((file, i) => runK6(bin, [
        '-e', `TARGET=${t.url}`, '--out', `json=${file}`, '--tag', `instance_id=${i + 1}`,
        '--execution-segment', `${bounds[i] ?? ''}:${bounds[i + 1] ?? ''}`, '--execution-segment-sequence', bounds.join(','), script,
      ])));
      for (const r of runs) expect(r.code, r.stderr).toBe(0);
      const shares = files.map((f) => trafficRequests(readK6Points(f)).length);
      const total = shares.reduce((a, b) => a + b, 0);
      // Each runner gets 1/n of the iterations (k6 stripes them), within one of the exact share; together
      // the plan, less at most 2 (k6 v0.47 may leave out an iteration due at the very end of a runner's
      // schedule; measured: 219 of 220 on one runner, 219 on two, 220 on three).
      for (const x of shares) expect(Math.abs(x - plan.iterations / n), `runner shares ${shares.join(', ')} of ${plan.iterations}`).toBeLessThanOrEqual(1);
      expect(plan.iterations - total, `${total} of ${plan.iterations}`).toBeGreaterThanOrEqual(0);
      expect(plan.iterations - total, `${total} of ${plan.iterations}`).toBeLessThanOrEqual(2);

      // The merged import counts every runner's requests, once, and knows the runners.
      const out = join(dir, `run-${n}`);
      const imported = await importK6Results(files, out);
      expect(imported.instances.length).toBe(n);
      expect(imported.requests).toBe(total);
      expect(imported.dropped).toBe(0);
      const { reportFile } = await finishRun(out, { print: () => undefined });
      const report = JSON.parse(readFileSync(reportFile, 'utf8')) as Report;
      expect(report.summary.requests).toBe(total);
      expect(report.endpoints.reduce((a, e) => a + e.requests, 0)).toBe(total);
    }
  });
});
