/**
 * Fit on logs synthesised with a known rate curve, endpoint mix and Zipf
 * exponent: the fitted profile and scenario must recover them (within these
 * bounds: curve correlation > 0.95, mix within 2 points, s within 0.1).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadProfile, profileDurationMs, rateAtRps, expectedArrivals, type Profile } from '../../src/scenario/profile.js';
import { loadScenario, type Scenario } from '../../src/scenario/scenario.js';
import { fitLog, profileYaml, scenarioYaml, tenantsCsv, type FitResult } from '../../src/traffic/fit/index.js';
import { pearson } from '../../src/traffic/fit/stats.js';
import { synthLines, synthRequests, type SynthEndpoint } from '../logs/synth.js';

const tmp = mkdtempSync(join(tmpdir(), 'prodshape-fit-'));
const HOUR = 3_600_000;
const OFFSET_MIN = 60; // the log is written in +01:00

/** Night-time baseline, a peak in the early afternoon (local time), as a smooth daily curve; requests/s. */
const localHour = (tMs: number): number => (((tMs + OFFSET_MIN * 60_000) / HOUR) % 24 + 24) % 24;
const rate = (tMs: number): number => 0.3 + 1.7 * Math.exp(-(((localHour(tMs) - 13) / 3.5) ** 2));

const ENDPOINTS: SynthEndpoint[] = [
  { method: 'GET', template: '/tenants/{tenant}/orders', weight: 50 },
  { method: 'GET', template: '/tenants/{tenant}/orders/{orders.id}', weight: 30 },
  { method: 'POST', template: '/tenants/{tenant}/orders', weight: 15, status: 201 },
  { method: 'GET', template: '/health', weight: 5 },
];
const ZIPF_S = 1.1;
const START = Date.UTC(2024, 2, 4) - OFFSET_MIN * 60_000; // Monday 00:00 local

describe('fit recovers a synthesised log', () => {
  let fit: FitResult;
  let profile: Profile;
  let scenario: Scenario;

  beforeAll(async () => {
    const reqs = synthRequests({ rate: (t) => rate(START + t), maxRps: 2.0, durationMs: 2 * 24 * HOUR, startMs: START, endpoints: ENDPOINTS, tenants: 400, zipfS: ZIPF_S, seed: 7 });
    const file = join(tmp, 'synth.log.gz');
    writeFileSync(file, gzipSync(synthLines(reqs, 'combined', { maxDurationMs: 30_000, offsetMin: OFFSET_MIN }).join('\n'), { level: 1 }));
    fit = await fitLog(file);
    writeFileSync(join(tmp, 'p.yaml'), profileYaml(fit, 'synth'));
    writeFileSync(join(tmp, 's.yaml'), scenarioYaml(fit, 'synth', { tenantsCsvFile: 's-tenants.csv' }));
    writeFileSync(join(tmp, 's-tenants.csv'), tenantsCsv(fit));
    profile = await loadProfile(join(tmp, 'p.yaml'));
    scenario = await loadScenario(join(tmp, 's.yaml'));
  });

  it('recovers the rate curve (correlation > 0.95) and keeps the request count', () => {
    // Compare on a 10-minute grid, in the log's own time (the profile starts at the first request's second).
    const t0 = Math.floor(fit.firstMs / 1000) * 1000;
    const fitted: number[] = [];
    const truth: number[] = [];
    for (let t = 0; t < profileDurationMs(profile); t += 600_000) {
      fitted.push(rateAtRps(profile, t));
      truth.push(rate(t0 + t));
    }
    expect(pearson(fitted, truth)).toBeGreaterThan(0.95);
    expect(expectedArrivals(profile) / fit.requests).toBeCloseTo(1, 1);
    expect(profileDurationMs(profile)).toBeGreaterThan(47 * HOUR);
    expect(profile.stages.length).toBeLessThanOrEqual(48);
    expect(profile.stages.length).toBeGreaterThan(4);
    expect(fit.curve.intervalS).toBe(1800);
  });

  it('recovers the daily cycle in the log\'s own timezone', () => {
    expect(fit.offsetMin).toBe(OFFSET_MIN);
    expect(fit.daily?.cycle).toBe(true);
    expect(Math.abs((fit.daily?.peakHour ?? 0) - 12.5)).toBeLessThanOrEqual(1);
    expect(fit.daily?.troughHour === undefined ? NaN : Math.abs(((fit.daily.troughHour + 12) % 24) - 13)).toBeLessThanOrEqual(6);
    expect(fit.daily?.dayCorrelation).toBeGreaterThan(0.9);
    expect(fit.dispersion?.index).toBeLessThan(2);
  });

  it('recovers the endpoint mix within 2 points', () => {
    const total = scenario.endpoints.reduce((s, e) => s + e.weight, 0);
    const byName = new Map(scenario.endpoints.map((e) => [e.name, (100 * e.weight) / total]));
    expect(scenario.endpoints).toHaveLength(4);
    const trueTotal = ENDPOINTS.reduce((s, e) => s + e.weight, 0);
    const names = ['get-tenants-tenant-orders', 'get-tenants-tenant-orders-id', 'post-tenants-tenant-orders', 'get-health'];
    ENDPOINTS.forEach((e, i) => {
      const got = byName.get(names[i]!);
      expect(got, `${e.method} ${e.template}`).toBeDefined();
      expect(Math.abs((got ?? 0) - (100 * e.weight) / trueTotal)).toBeLessThan(2);
    });
    // Paths the engine can fill without a dataset; the template in a comment above each.
    expect(scenario.endpoints.find((e) => e.name === 'get-tenants-tenant-orders-id')?.path).toMatch(/^\/tenants\/\{tenant\}\/orders\/\{int:\d+:\d+\}$/);
    expect(scenario.sourceText).toMatch(/# GET \/tenants\/\{tenant\}\/orders\/\{orders\.id\}: \d+\.\d\d% of requests/);
    expect(scenario.tenants).toMatchObject({ kind: 'csv', idColumn: 'tenant_id', rowsColumn: 'requests' });
  });

  it('recovers the Zipf exponent of tenant popularity within 0.1 and stores it as fit.zipf_s', () => {
    expect(fit.zipf?.basis).toBe('tenant');
    expect(Math.abs((fit.zipf?.fit.s ?? 0) - ZIPF_S)).toBeLessThan(0.1);
    expect(fit.zipf?.fit.quality).toBe('good');
    expect(profile.fit?.zipf_s).toBeCloseTo(fit.zipf?.fit.s ?? 0, 2);
    // Per template too: every endpoint with {tenant} sees the same skew.
    const orders = fit.endpoints.templates.find((t) => t.template === '/tenants/{tenant}/orders' && t.method === 'GET');
    expect(Math.abs((orders?.placeholders[0]?.zipf?.s ?? 0) - ZIPF_S)).toBeLessThan(0.1);
  });

  it('writes one average day on request', async () => {
    const reqs = synthRequests({ rate: (t) => rate(START + t), maxRps: 2.0, durationMs: 3 * 24 * HOUR, startMs: START, endpoints: ENDPOINTS, seed: 9 });
    const file = join(tmp, 'days.log');
    writeFileSync(file, synthLines(reqs, 'common', { offsetMin: OFFSET_MIN }).join('\n'));
    const day = await fitLog(file, { shape: 'day' });
    writeFileSync(join(tmp, 'day.yaml'), profileYaml(day, 'day'));
    const p = await loadProfile(join(tmp, 'day.yaml'));
    expect(profileDurationMs(p)).toBe(24 * HOUR);
    const hours = Array.from({ length: 24 }, (_, h) => h);
    // The average day starts at local midnight.
    expect(pearson(hours.map((h) => rateAtRps(p, (h + 0.5) * HOUR)), hours.map((h) => rate(START + (h + 0.5) * HOUR)))).toBeGreaterThan(0.95);
  });
});
