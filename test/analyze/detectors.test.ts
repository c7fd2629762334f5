/**
 * Each detector on synthetic runs with known answers (test/analyze/synth.ts
 * simulates Poisson arrivals through a FIFO pool, so the capacity is exactly
 * slots / service time), plus controls where nothing breaks: several seeds
 * of Poisson noise, with a ramp and a no-op deploy, must report no break.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeRunDir, type BreakKind, type Report, type ReportBreak } from '../../src/analyze/index.js';
import { breaksOfKind } from '../../src/analyze/breaks.js';
import { tenantsOf } from '../../src/analyze/detect/skew.js';
import type { TenantRecord } from '../../src/run/format.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { reportSchemaErrors } from '../helpers/schema.js';
import { ramp, removeSynthRuns, steps, synthRun, zipfTenants } from './synth.js';

afterAll(removeSynthRuns);

const eps = [{ name: 'list-orders', weight: 6 }, { name: 'dashboard', weight: 3 }];
const kinds = (r: Report): string[] => r.breaks.map((b) => b.kind).sort();
const only = <K extends BreakKind>(r: Report, kind: K): Extract<ReportBreak, { kind: K }> => {
  const bs = breaksOfKind(r.breaks, kind);
  expect(bs, `${kind} breaks in ${JSON.stringify(r.breaks.map((b) => b.summary))}`).toHaveLength(1);
  return bs[0]!;
};
const analyze = async (dir: string, slo: string[] = []): Promise<Report> => {
  const r = await analyzeRunDir(dir, { slo });
  expect(reportSchemaErrors(r)).toEqual([]);
  return r;
};

describe('saturation', () => {
  // 10 slots × 40 ms service = 250 rps capacity, ramp 50 → 400 rps over 60 s.
  const capacity = 250;
  const pooled = (seed: number, gauges = false): string =>
    synthRun({ seed, durationS: 60, rate: ramp(50, 400, 60), endpoints: eps, slots: 10, serviceMs: (_r, rng) => 35 + rng() * 10, gauges });

  it('finds the offered rate where a pool of N slots saturates on a ramp, within 15%, with the SLO', async () => {
    for (const seed of [1, 2, 3]) {
      const r = await analyze(pooled(seed), ['p99<200ms']);
      const b = only(r, 'saturation');
      expect(b.endpoint).toBeNull(); // both endpoints share the pool: one finding for the run
      expect(Math.abs(b.offered_rps! - capacity) / capacity).toBeLessThan(0.15);
      expect(b.evidence.p99_before_ms as number).toBeLessThan(200);
      expect(b.evidence.p99_after_ms as number).toBeGreaterThan(200);
      expect(b.evidence.threshold_source).toBe('slo');
      expect((b.evidence.endpoints as unknown[]).length).toBe(2);
      // The plateau of achieved throughput is the capacity itself; Kneedle is reported alongside.
      expect(Math.abs((b.evidence.achieved_plateau_rps as number) - capacity) / capacity).toBeLessThan(0.05);
      expect(b.evidence.knee_rps as number).toBeGreaterThan(capacity * 0.8);
      expect(b.evidence.knee_rps as number).toBeLessThan(capacity * 1.3);
      expect(b.evidence.queueing).toBe('likely');
      expect(b.summary).toMatch(/offered load passed \d+ rps/);
      expect(b.summary).toMatch(/likely queueing/);
      expect(r.verdict.status).toBe('fail');
    }
  });

  it('derives a threshold from the low-load p99 when there is no SLO', async () => {
    const r = await analyze(pooled(4));
    const b = only(r, 'saturation');
    expect(b.evidence.threshold_source).toBe('derived');
    expect(Math.abs(b.offered_rps! - capacity) / capacity).toBeLessThan(0.15);
    expect(r.verdict.status).toBe('degraded');
  });

  it('says which derived threshold it used, from the factor and floor in force (not a fixed "5x")', async () => {
    const dir = pooled(4);
    const said = async (thresholds: { derivedSloFactor: number; derivedSloFloorMs: number }): Promise<string> => {
      const b = only(await analyzeRunDir(dir, { thresholds }), 'saturation');
      expect(b.evidence.threshold_source).toBe('derived');
      return b.summary;
    };
    expect(await said({ derivedSloFactor: 3, derivedSloFloorMs: 0 })).toContain('3x its low-load p99');
    // A floor far above 3x a ~40 ms baseline is the larger of the two, and is what the sentence names.
    expect(await said({ derivedSloFactor: 3, derivedSloFloorMs: 400 })).toContain('its low-load p99 + 400 ms');
  });

  it('lands on the step of a 3x spike and reports the rate of the spike', async () => {
    const r = await analyze(synthRun({ seed: 5, durationS: 60, rate: steps([[20, 100], [40, 300], [60, 100]]), endpoints: eps, slots: 10, serviceMs: () => 40 }));
    const b = only(r, 'saturation');
    expect(b.t_s).toBeGreaterThanOrEqual(20);
    expect(b.t_s).toBeLessThanOrEqual(23);
    expect(b.offered_rps!).toBeGreaterThan(270);
    expect(b.offered_rps!).toBeLessThan(330);
    // A step is not a ramp: no Kneedle knee.
    expect(b.evidence.knee_rps).toBeNull();
  });

  it('names the one endpoint that saturates on its own', async () => {
    // dashboard goes through its own 2-slot pool (2 / 40 ms = 50 rps); list-orders is unlimited.
    const r = await analyze(synthRun({
      seed: 6, durationS: 60, rate: ramp(30, 300, 60), endpoints: eps, serviceMs: (q, rng) => (q.endpoint === 'dashboard' ? 40 : 3 + rng()),
      slotsFor: { dashboard: 2 },
    }), ['dashboard:p99<200ms']);
    const b = only(r, 'saturation');
    expect(b.endpoint).toBe('dashboard');
    // dashboard is a third of the traffic: its own rate at the break is ~50 rps, the run's ~150 rps.
    expect(Math.abs((b.evidence.endpoint_offered_rps as number) - 50) / 50).toBeLessThan(0.2);
  });

  it('pairs with pool gauges: a pool-saturation break with size and waiting, aligned with the latency break', async () => {
    const r = await analyze(pooled(7, true), ['p99<200ms']);
    expect(kinds(r)).toEqual(['pool-saturation', 'saturation']);
    const p = only(r, 'pool-saturation');
    expect(p.evidence.pool_size).toBe(10);
    expect(p.evidence.max_waiting).toBeGreaterThan(10);
    expect(p.t_s!).toBeLessThan(only(r, 'saturation').t_s! + 5);
    expect(only(r, 'saturation').summary).toMatch(/the pool \(size 10\) had up to \d+ waiting/);
    expect(r.diagnosis.find((d) => d.id === 'pool')?.status).toBe('found');
  });
});

describe('data skew', () => {
  const tenants = zipfTenants(300, 100_000, 30);

  it('flags the endpoint whose cost grows with rows and names the biggest tenants with rows and p99', async () => {
    const r = await analyze(synthRun({
      seed: 11, durationS: 40, rate: () => 200, endpoints: eps, tenants,
      serviceMs: (q, rng) => (q.endpoint === 'dashboard' ? 2 + (q.tenant!.rows / 1000) * (1 + rng()) : 3 * (1 + rng())),
    }));
    const b = only(r, 'data-skew');
    expect(b.endpoint).toBe('dashboard');
    expect(b.evidence.end).toBe('big');
    expect(b.evidence.ratio as number).toBeGreaterThan(3);
    expect(b.evidence.confidence).toBe('high');
    const named = b.evidence.tenants as { tenant: string; rows: number; p99_ms: number }[];
    expect(named[0]).toMatchObject({ tenant: 't0001', rows: 100_000 });
    expect(named.map((x) => x.tenant)).toContain('t0002');
    expect(b.summary).toMatch(/t0001 \(100k rows, p99/);
    expect(reportSchemaErrors(r)).toEqual([]);
  });

  it('quotes the biggest tenants\' latency over the healthy seconds when part of the run saturated', async () => {
    // dashboard costs 2 ms + 1 ms per 1,000 rows, list-orders 3 ms; 8 slots (~600 rps). A 3x spike at 30-35 s queues
    // every request for seconds until ~40 s: over the whole run the biggest tenants' p99 is that queue; over the healthy
    // windows it is their own cost.
    const dir = synthRun({
      seed: 12, durationS: 80, rate: steps([[30, 300], [35, 900], [80, 300]]), endpoints: eps, tenants, slots: 8, tenantWindows: true,
      serviceMs: (q, rng) => (q.endpoint === 'dashboard' ? 2 + (q.tenant!.rows / 1000) * (1 + 0.2 * rng()) : 3 * (1 + rng())),
    });
    const r = await analyze(dir);
    expect(kinds(r)).toContain('saturation');
    const b = only(r, 'data-skew');
    expect(b.endpoint).toBe('dashboard');
    const first = b.evidence.tenants[0]!;
    expect(first).toMatchObject({ tenant: 't0001', latency_over: 'healthy' });
    // The top tenant's own cost is 102-122 ms; queueing behind the spike adds seconds. 1.5x margin for queueing at 300/s.
    expect(first.p99_ms!).toBeLessThan(1.5 * 122);
    const records = readFileSync(join(dir, 'tenants.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TenantRecord);
    const whole = tenantsOf(records, 'dashboard', 1).find((x) => x.tenant === 't0001');
    expect(whole?.p99_ms ?? 0).toBeGreaterThan(1000);
    // The report's slowest tenants (whole-run p99, the spike's) carry their healthy latency beside it. The top of that
    // list is whichever small tenant the spike caught; whether it also has the 20 requests needed in the healthy windows
    // is chance (no healthy latency for the first one in 7 of 29 seeds with the former generator, 13 of 29 with sfc32),
    // so the claim is made for every listed tenant that has them, and at least one must.
    const slowest = r.tenants.slowest;
    expect(slowest[0]!.p99_ms).toBeGreaterThan(1000);
    const withHealthy = slowest.filter((t) => t.healthy != null);
    expect(withHealthy.length).toBeGreaterThan(0);
    for (const t of withHealthy) expect(t.healthy!.p99_ms, t.tenant).toBeLessThan(1.5 * 122);
    expect(b.summary).toMatch(/biggest \(latency over the healthy seconds\): t0001 \(100k rows, p50 [\d.]+ ms, p99 [\d.]+ ms\)/);
  });

  it('judges the p50 when rare stalls make every class\'s p99 alike, and quotes the p50 in summary and diagnosis', async () => {
    // dashboard costs 2 ms + 1 ms per 1,000 rows; 3% of all requests stall 300 ms (GC, queueing) whatever the tenant.
    const r = await analyze(synthRun({
      seed: 14, durationS: 40, rate: () => 200, endpoints: eps, tenants,
      serviceMs: (q, rng) => (q.endpoint === 'dashboard' ? 2 + q.tenant!.rows / 1000 : 3) * (1 + 0.2 * rng()) + (rng() < 0.03 ? 300 : 0),
    }));
    const b = only(r, 'data-skew');
    expect(b.endpoint).toBe('dashboard');
    expect(b.evidence.ratio as number).toBeLessThan(3);
    expect(b.evidence.p50_ratio as number).toBeGreaterThanOrEqual(3);
    expect(b.summary).toMatch(/: p50 [\d.]+ m?s vs [\d.]+ m?s for the median tenant \(\d+x; p99 /);
    const degraded = r.diagnosis.find((d) => d.id === 'degraded')!;
    expect(degraded.summary).toMatch(/dashboard: the whole run, for the biggest tenants \(p50 /);
  });

  it('checks the other end: empty tenants that are slow (recipe A)', async () => {
    const r = await analyze(synthRun({
      seed: 12, durationS: 40, rate: () => 200, endpoints: eps, tenants: zipfTenants(100, 10_000, 30), uniformTenants: ['list-orders'],
      serviceMs: (q, rng) => (q.endpoint === 'list-orders' && q.tenant!.rows === 0 ? 150 + rng() * 50 : 3 * (1 + rng())),
    }));
    const b = only(r, 'data-skew');
    expect(b).toMatchObject({ endpoint: 'list-orders', evidence: { end: 'small', class: 'empty' } });
    expect((b.evidence.tenants as { rows: number }[]).every((x) => x.rows === 0)).toBe(true);
  });

  it('says so when a class has too few samples, and reports no break', async () => {
    // Empty tenants get ~1 request in 50,000 by rows: nothing to judge, even though they are slow.
    const r = await analyze(synthRun({
      seed: 13, durationS: 20, rate: () => 100, endpoints: eps, tenants: zipfTenants(100, 10_000, 3),
      serviceMs: (q) => (q.tenant!.rows === 0 ? 300 : 3),
    }));
    expect(kinds(r)).toEqual([]);
    const lo = (r.analysis as { skew: { endpoint: string; comparisons: { group: string; confidence: string; note: string }[] }[] }).skew
      .find((s) => s.endpoint === 'list-orders')!;
    const empty = lo.comparisons.find((c) => c.group === 'empty');
    expect(empty?.confidence ?? 'insufficient').toBe('insufficient');
  });

  it('reports low confidence when a flagged class has fewer than 100 samples', async () => {
    // 100 tenants of equal size, one of them in the top 1%: ~1% of 5,000 requests come from it.
    const flat = Array.from({ length: 100 }, (_, i) => ({ id: `f${i}`, rows: 1000, cls: i === 0 ? ('top1' as const) : ('rest' as const) }));
    const r = await analyze(synthRun({
      seed: 14, durationS: 50, rate: () => 100, endpoints: [{ name: 'list-orders', weight: 1 }], tenants: flat,
      serviceMs: (q, rng) => (q.tenant!.cls === 'top1' ? 200 : 3 + rng()),
    }));
    const b = only(r, 'data-skew');
    expect(b.evidence.samples).toBeLessThan(100);
    expect(b.evidence.confidence).toBe('low');
    expect(b.summary).toMatch(/low confidence/);
  });
});

describe('cold cache', () => {
  it('finds the window after a deploy, starting at the event, with cold/warm p99 and ratio', async () => {
    // Requests are 20x slower for exactly 10 s after the deploy at 30 s.
    const r = await analyze(synthRun({
      seed: 21, durationS: 60, rate: () => 200, endpoints: eps,
      serviceMs: (q, rng) => (q.t >= 30 && q.t < 40 ? 100 : 5) * (0.8 + 0.4 * rng()), events: [{ t_s: 30, action: 'deploy' }],
    }));
    const b = only(r, 'cold-cache');
    expect(b.t_s).toBe(30);
    expect(b.evidence.start_s).toBe(30);
    expect(b.evidence.window_s as number).toBeGreaterThanOrEqual(9);
    expect(b.evidence.window_s as number).toBeLessThanOrEqual(11);
    expect(b.evidence.recovered).toBe(true);
    expect(b.evidence.cold_p99_ms as number).toBeGreaterThan(100);
    expect(b.evidence.warm_p99_ms as number).toBeLessThan(7);
    expect(b.evidence.ratio as number).toBeGreaterThan(15);
    expect(kinds(r)).toEqual(['cold-cache']); // the slow window is not mistaken for saturation
    expect(r.diagnosis.find((d) => d.id === 'events')).toMatchObject({ status: 'found' });
  });

  it('follows a per-tenant cache cleared by the deploy: the window ends when p99 is back within 2x and stays there', async () => {
    // Warm at the start (every tenant cached), cleared by the deploy at 15 s; a miss costs 60-80 ms, a hit 2-3 ms.
    const tenants = zipfTenants(200, 50_000, 0);
    const cache = new Set<string>(tenants.map((x) => x.id));
    let cleared = false;
    const r = await analyze(synthRun({
      seed: 22, durationS: 60, rate: () => 400, endpoints: eps, tenants,
      serviceMs: (q, rng) => {
        if (q.t >= 15 && !cleared) {
          cache.clear();
          cleared = true;
        }
        const hit = cache.has(q.tenant!.id);
        cache.add(q.tenant!.id);
        return hit ? 2 + rng() : 60 + rng() * 20;
      },
      events: [{ t_s: 15, action: 'deploy' }],
    }));
    const b = only(r, 'cold-cache');
    expect(b.t_s).toBe(15);
    expect(b.evidence.recovered).toBe(true);
    const windowS = b.evidence.window_s as number;
    expect(windowS).toBeGreaterThanOrEqual(2);
    expect(windowS).toBeLessThan(20);
    expect(b.evidence.ratio as number).toBeGreaterThan(5);
    // After the window, five seconds in a row within 2x of the warm p99.
    const warm = b.evidence.warm_p99_ms as number;
    for (let s = 15 + windowS; s < 15 + windowS + 5; s++) expect(r.timeline[s]!.p99_ms!).toBeLessThanOrEqual(2 * warm * 1.01);
  });

  it('judges the window only up to the next event: a slowdown that starts with a migration is not the cold cache\'s', async () => {
    // Cold for 8 s after the deploy at 20 s; the migration at 34 s makes every request 20x slower to the end of the run.
    // Without the bound the two read as one cold window to the end of the run.
    const r = await analyze(synthRun({
      seed: 23, durationS: 60, rate: () => 200, endpoints: eps,
      serviceMs: (q, rng) => ((q.t >= 20 && q.t < 28) || q.t >= 34 ? 100 : 5) * (0.8 + 0.4 * rng()),
      events: [{ t_s: 20, action: 'deploy' }, { t_s: 34, action: 'migrate' }],
    }));
    const b = only(r, 'cold-cache');
    expect(b.t_s).toBe(20);
    expect(b.evidence.recovered).toBe(true);
    expect(b.evidence.cut_by).toBeNull();
    // 8 s of cold, ± one bin.
    expect(b.evidence.window_s).toBeGreaterThanOrEqual(7);
    expect(b.evidence.window_s).toBeLessThanOrEqual(10);
    expect(b.evidence.end_s).toBeLessThanOrEqual(34);
  });

  it('cuts a window still elevated at the next event there, and says so', async () => {
    // Cold from the deploy at 20 s to 40 s, but a migration comes at 27 s: the window is the 7 s before it.
    const r = await analyze(synthRun({
      seed: 24, durationS: 60, rate: () => 200, endpoints: eps,
      serviceMs: (q, rng) => (q.t >= 20 && q.t < 40 ? 100 : 5) * (0.8 + 0.4 * rng()),
      events: [{ t_s: 20, action: 'deploy' }, { t_s: 27, action: 'migrate' }],
    }));
    const b = only(r, 'cold-cache');
    expect(b.evidence.recovered).toBe(false);
    expect(b.evidence.cut_by).toBe('migrate at 27 s');
    expect(b.evidence.end_s).toBe(27);
    expect(b.summary).toMatch(/still elevated 7 s later, when the migrate at 27 s came/);
  });

  it('judges a sparse endpoint at the resolution its traffic around the event allows', async () => {
    // 12 requests/s in all, a third of them to the dashboard (4/s), and its misses cost 40x a hit for 12 s after the
    // deploy. The run-wide bins (≥ 100 samples) are 10 s wide: 1-2 cold bins, too few to be significant.
    const r = await analyze(synthRun({
      seed: 25, durationS: 120, rate: () => 12, endpoints: eps,
      serviceMs: (q, rng) => (q.endpoint === 'dashboard' && q.t >= 40 && q.t < 52 ? 200 : 5) * (0.8 + 0.4 * rng()),
      events: [{ t_s: 40, action: 'deploy' }],
    }));
    const b = only(r, 'cold-cache');
    expect([null, 'dashboard']).toContain(b.endpoint);
    expect(b.evidence.bin_s).toBeLessThan(10);
    expect(b.evidence.window_s).toBeGreaterThanOrEqual(8);
    expect(b.evidence.window_s).toBeLessThanOrEqual(16);
  });

  it('reports nothing for a deploy that changes nothing', async () => {
    const r = await analyze(synthRun({
      seed: 23, durationS: 40, rate: () => 200, endpoints: eps, serviceMs: (_q, rng) => 5 * (0.5 + rng()), events: [{ t_s: 20, action: 'deploy' }],
    }));
    expect(kinds(r)).toEqual([]);
    const cc = (r.analysis as { cold_cache: { found: boolean }[] }).cold_cache;
    expect(cc).toHaveLength(1);
    expect(cc[0]?.found).toBe(false);
  });
});

describe('error bursts', () => {
  it('reports a burst with its window and classes, next to the event that caused it', async () => {
    const r = await analyze(synthRun({
      seed: 31, durationS: 50, rate: () => 200, endpoints: eps, serviceMs: () => 5,
      error: (q, rng) => (q.t >= 20 && q.t < 25 && rng() < 0.3 ? '5xx' : rng() < 0.001 ? 'reset' : null),
      events: [{ t_s: 20, action: 'deploy' }],
    }));
    const b = only(r, 'errors');
    expect(b.endpoint).toBeNull(); // both endpoints failed together
    expect(b.evidence).toMatchObject({ start_s: 20, end_s: 25 });
    expect((b.evidence.classes as Record<string, number>)['5xx']).toBeGreaterThan(200);
    expect(b.evidence.error_rate as number).toBeGreaterThan(0.2);
    expect(b.summary).toMatch(/around the deploy at 20 s/);
    expect(b.summary).toMatch(/server errors/);
  });

  it('names the endpoint when only one fails, and ignores scattered errors under 1%', async () => {
    const r = await analyze(synthRun({
      seed: 32, durationS: 40, rate: () => 200, endpoints: eps, serviceMs: () => 5,
      error: (q, rng) => (q.endpoint === 'dashboard' && q.t >= 10 && q.t < 13 ? 'timeout' : rng() < 0.002 ? '5xx' : null),
    }));
    const b = only(r, 'errors');
    expect(b.endpoint).toBe('dashboard');
    expect(b.summary).toMatch(/timed out/);
  });
});

describe('controls: Poisson noise, nothing planted', () => {
  it('reports no break over several seeds of a ramp with a no-op deploy, skewed tenants and rare slow requests', async () => {
    for (let seed = 41; seed <= 46; seed++) {
      const r = await analyze(synthRun({
        seed, durationS: 60, rate: ramp(40, 400, 60), endpoints: eps, tenants: zipfTenants(300, 100_000, 5),
        serviceMs: (_q, rng) => 2 + rng() * 3 + (rng() < 0.002 ? 40 : 0),
        error: (_q, rng) => (rng() < 0.002 ? '5xx' : null),
        events: [{ t_s: 30, action: 'deploy' }],
      }));
      expect(r.breaks.map((b) => b.summary), `seed ${seed}`).toEqual([]);
      expect(r.verdict.status).toBe('pass');
    }
  });

  it('does not blame the target for a stalled generator: late sends with a fast service are not saturation', async () => {
    // From 20 s to 35 s the generator sends every request 150-300 ms late (a GC storm, a busy machine); the target stays at 5 ms.
    const r = await analyze(synthRun({
      seed: 55, durationS: 50, rate: () => 200, endpoints: eps, serviceMs: (_q, rng) => 4 + rng() * 2,
      lagMs: (q, rng) => (q.t >= 20 && q.t < 35 ? 150 + rng() * 150 : rng() * 0.5),
      meta: { lag_ms: { p50: 0.3, p99: 280, max: 300 } },
    }), ['p99<100ms']);
    expect(r.breaks.map((b) => b.summary)).toEqual([]);
    expect(r.slo[0]!.pass).toBe(false); // the SLO is still judged on latency from the intended time
    expect(r.verdict.notes.join(' ')).toMatch(/Schedule lag p99 was 280 ms/);
  });

  it('still blames the target when its own service time is what grew', async () => {
    const r = await analyze(synthRun({
      seed: 56, durationS: 50, rate: () => 200, endpoints: eps, slots: 10, serviceMs: (q) => (q.t >= 20 ? 60 : 5),
      lagMs: (_q, rng) => rng() * 0.5,
    }), ['p99<100ms']);
    // The service time grows at 20 s; the break's first second lands at 18-21 s depending on the arrivals' draws
    // (seeds 1-15: 18 in 4 of them with the former generator, in 2 with sfc32), so 2 s of slack before the change.
    expect(only(r, 'saturation').t_s!).toBeGreaterThanOrEqual(18);
  });

  it('reports no break on a busy but stable pool (80% utilisation)', async () => {
    for (let seed = 51; seed <= 53; seed++) {
      const r = await analyze(synthRun({ seed, durationS: 60, rate: () => 200, endpoints: eps, slots: 10, serviceMs: (_q, rng) => 35 + rng() * 10, gauges: true }));
      expect(r.breaks.map((b) => b.summary), `seed ${seed}`).toEqual([]);
    }
  });
});
