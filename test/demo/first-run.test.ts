/**
 * The pieces of the one-command first run that are pure: how fast to play a
 * profile, how to scale its rates to the demo, and the request mix used to
 * measure the demo (it must follow the scenario's weights and tenant picks).
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { loadScenario, parseScenario } from '../../src/scenario/scenario.js';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { loadProfile, parseProfile, peakRateRps } from '../../src/scenario/profile.js';
import { DEFAULT_PEAK_SHARE, DEMO_SCENARIO_FILE, isDemoScenario, mixSampler, probeKneeRps, rateScaleFor, speedFor, type ProbeSecond } from '../../src/demo/first-run.js';
import type { Manifest } from '../../src/data/manifest.js';

describe('first run against the demo', () => {
  it('plays a profile in about two minutes, never slower than real time', () => {
    expect(speedFor(3_600_000)).toBe(30); // monday-9am: one hour
    expect(speedFor(210_000)).toBe(1.75); // spike-3x: 3.5 minutes
    expect(speedFor(360_000)).toBe(3); // post-deploy-cold: 6 minutes
    expect(speedFor(60_000)).toBe(1);
  });

  it('scales rates to put the profile\'s peak at its share of the measured capacity, within bounds', () => {
    expect(rateScaleFor(1.6, 300, 200)).toBe(Math.round(((1.6 * 200) / 300) * 100) / 100);
    expect(300 * rateScaleFor(1.6, 300, 200)).toBeCloseTo(1.6 * 200, -1);
    expect(rateScaleFor(DEFAULT_PEAK_SHARE, 100, 100)).toBe(0.6);
    expect(rateScaleFor(0.6, 100, 0.001)).toBe(0.01);
    expect(rateScaleFor(0.6, 1, 1e9)).toBe(10);
  });

  it('takes the share from the profile file (demo.peak_share), so a renamed profile keeps it', async () => {
    const monday = await loadProfile(join(PACKAGE_ROOT, 'profiles', 'monday-9am.yaml'));
    const renamed = parseProfile(`name: my-monday\nstages:\n  - { duration: 1m, rate: 10 }\ndemo: { peak_share: ${monday.demoPeakShare} }\n`);
    expect(renamed.demoPeakShare).toBe(monday.demoPeakShare);
    // monday-9am peaks near the capacity measured before its release (which then costs the demo a third or more of it)
    // and keeps its night (40 of its 210 requests/s) light.
    const share = monday.demoPeakShare!;
    expect(share).toBeGreaterThanOrEqual(0.8);
    expect(40 * rateScaleFor(share, peakRateRps(monday), 300)).toBeLessThan(0.35 * 300);
    expect(parseProfile('name: plain\nstages:\n  - { duration: 1m, rate: 10 }\n').demoPeakShare).toBeNull();
    expect(() => parseProfile('name: bad\nstages:\n  - { duration: 1m, rate: 10 }\ndemo: { peak_share: 0 }\n')).toThrow(/peak_share/);
  });

  it('draws the scenario\'s mix: endpoint weights, tenants by rows, and uniform tenants where the endpoint says so', async () => {
    const demo = await loadScenario(DEMO_SCENARIO_FILE);
    const scenario = parseScenario([
      'name: mix',
      'endpoints:',
      ...demo.endpoints.map((e) => `  - { name: ${e.name}, weight: ${e.weight}, path: "${e.path}" }`),
      '  - { name: list-orders-any-tenant, weight: 1, path: "/tenants/{tenant}/orders", tenant: uniform }',
    ].join('\n'));
    // Two tenants: "big" holds 90% of the rows.
    const manifest: Manifest = { seed: 1, scenario: 't', tables: { orders: 100 }, tenants: [{ id: 'big', rows: 90 }, { id: 'small', rows: 10 }] };
    const next = mixSampler(scenario, manifest, createRng(7, 'mix-test'));
    const n = 40_000;
    const count = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const r = next();
      const key = `${r.endpoint} ${r.path.split('/')[2] ?? ''}`;
      count.set(key, (count.get(key) ?? 0) + 1);
    }
    const share = (k: string): number => (count.get(k) ?? 0) / n;
    const weights = scenario.endpoints.reduce((s, e) => s + e.weight, 0);
    // Expected shares: weight/total × tenant probability; tolerance ±0.01 (4+ standard errors at n = 40,000).
    expect(Math.abs(share('list-orders big') - (6 / weights) * 0.9)).toBeLessThan(0.01);
    expect(Math.abs(share('dashboard small') - (3 / weights) * 0.1)).toBeLessThan(0.01);
    expect(Math.abs(share('list-orders-any-tenant big') - (1 / weights) * 0.5)).toBeLessThan(0.01);
    expect(Math.abs(share('list-orders-any-tenant small') - (1 / weights) * 0.5)).toBeLessThan(0.01);
  });
});

describe('capacity probe knee', () => {
  const sec = (offeredRps: number, achievedRps: number, p50Ms: number | null): ProbeSecond => ({ offeredRps, achievedRps, p50Ms });
  it('is the offered rate just before latency or throughput broke for three seconds running', () => {
    const ramp = [sec(20, 20, 5), sec(40, 40, 6), sec(60, 60, 5), sec(80, 80, 7), sec(100, 99, 9), sec(120, 110, 80), sec(140, 100, 300), sec(160, 90, 900), sec(180, 85, 1500)];
    expect(probeKneeRps(ramp)).toBe(100);
    // Throughput falling behind counts too, with flat latency (a server that sheds load).
    const shed = [sec(20, 20, 5), sec(40, 40, 5), sec(60, 60, 5), sec(80, 80, 5), sec(100, 70, 5), sec(120, 70, 5), sec(140, 70, 5)];
    expect(probeKneeRps(shed)).toBe(80);
  });

  it('ignores a short burst of noise and says null when the ramp never broke', () => {
    const noisy = [sec(20, 20, 5), sec(40, 40, 5), sec(60, 60, 5), sec(80, 80, 200), sec(100, 100, 250), sec(120, 120, 6), sec(140, 140, 7), sec(160, 160, 6)];
    expect(probeKneeRps(noisy)).toBeNull();
  });
});

describe('which runs use the demo', () => {
  it('is the no-target run without --scenario or with the demo scenario', () => {
    expect(isDemoScenario(undefined)).toBe(true);
    expect(isDemoScenario('demo')).toBe(true);
    expect(isDemoScenario(DEMO_SCENARIO_FILE)).toBe(true);
    expect(isDemoScenario('saas-orders')).toBe(false);
    expect(isDemoScenario('./my-api.yaml')).toBe(false);
  });
});
