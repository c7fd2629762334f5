/**
 * Real run with pool gauges: the planted pool (10 slots × 50 ms = 200 rps)
 * exposes in-use, waiting and size on /metrics; the Prometheus observer
 * scrapes them each second, and the analysis must report the pool saturation
 * (size 10, requests waiting) next to the latency break it explains.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { POOL, POOL_GAUGES, hasEngine, kinds, one, removeRealRuns, replay } from './real-run.js';

afterAll(removeRealRuns);

describe.skipIf(!hasEngine)('real run: pool gauges', { retry: 1 }, () => {
  it('reports pool-saturation with the pool size and the waiting count, aligned with the saturation break', async () => {
    const { report, text } = await replay('gauges', { baseMs: 1, pool: POOL },
      'name: ramp\narrival: poisson\nstages:\n  - { duration: 26s, from: 140, to: 260 }\n', ['p99<500ms'], POOL_GAUGES);
    expect(kinds(report)).toEqual(['pool-saturation', 'saturation']);
    const sat = one(report, 'saturation');
    expect(Math.abs(sat.offered_rps! - 200) / 200, sat.summary).toBeLessThan(0.15);
    expect(sat.summary).toMatch(/the pool \(size 10\) had up to \d+ waiting/);
    const pool = one(report, 'pool-saturation');
    expect(pool.evidence.pool_size).toBe(10);
    expect(pool.evidence.max_waiting as number).toBeGreaterThan(10);
    expect(pool.t_s!).toBeLessThanOrEqual(sat.t_s! + 5);
    expect(report.pool.status).toBe('gauges');
    expect(report.pool.timeline.length).toBeGreaterThan(15);
    expect(report.diagnosis.find((d) => d.id === 'pool')?.status).toBe('found');
    expect(text).toMatch(/pool-saturation · /);
  }, 60_000);
});
