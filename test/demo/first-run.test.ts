/**
 * The pieces of the one-command first run that are pure: how fast to play a
 * profile, how to scale its rates to the demo, and the request mix used to
 * measure the demo (it must follow the scenario's weights and tenant picks).
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { loadScenario } from '../../src/scenario/scenario.js';
import { DEMO_SCENARIO_FILE, REFERENCE_CAPACITY_RPS, mixSampler, rateScaleFor, speedFor } from '../../src/demo/first-run.js';
import type { Manifest } from '../../src/data/manifest.js';

describe('first run against the demo', () => {
  it('plays a profile in about two minutes, never slower than real time', () => {
    expect(speedFor(3_600_000)).toBe(30); // monday-9am: one hour
    expect(speedFor(210_000)).toBe(1.75); // spike-3x: 3.5 minutes
    expect(speedFor(360_000)).toBe(3); // post-deploy-cold: 6 minutes
    expect(speedFor(60_000)).toBe(1);
  });

  it('scales rates by measured capacity over the capacity the profiles assume, within bounds', () => {
    expect(rateScaleFor(REFERENCE_CAPACITY_RPS)).toBe(1);
    expect(rateScaleFor(125)).toBe(0.5);
    expect(rateScaleFor(1)).toBe(0.05);
    expect(rateScaleFor(1e6)).toBe(10);
  });

  it('draws the demo scenario\'s mix: endpoint weights, tenants by rows, and uniform tenants where the endpoint says so', async () => {
    const scenario = await loadScenario(DEMO_SCENARIO_FILE);
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
