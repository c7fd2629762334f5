/**
 * Real runs (the replay engine against planted servers, real-run.ts): a pool
 * of 10 slots × 50 ms saturates at 200 rps and the break must land within 15%
 * of it; the pool's gauges (in use, waiting, size on /metrics, scraped each
 * second by the Prometheus observer) must give a pool-saturation break next
 * to it. A control server with a no-op deploy must give no break.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { POOL, POOL_GAUGES, hasEngine, kinds, one, removeRealRuns, replay } from './real-run.js';

afterAll(removeRealRuns);

describe.skipIf(!hasEngine)('real runs: saturation with pool gauges, and a control', { retry: 1 }, () => {
  it('pool of 10 slots x 50 ms (200 rps) on a ramp: saturation within 15% of 200 rps, and the pool saturation beside it', async () => {
    const { report, text } = await replay('pool', { baseMs: 1, pool: POOL },
      'name: ramp\narrival: poisson\nstages:\n  - { duration: 26s, from: 140, to: 260 }\n', ['p99<500ms'], POOL_GAUGES);
    expect(kinds(report)).toEqual(['pool-saturation', 'saturation']);
    const sat = one(report, 'saturation');
    expect(Math.abs(sat.offered_rps! - 200) / 200, sat.summary).toBeLessThan(0.15);
    // What the target held while broken is its capacity.
    expect(Math.abs((sat.evidence.achieved_plateau_rps as number) - 200) / 200).toBeLessThan(0.05);
    expect(sat.summary).toMatch(/the pool \(size 10\) had up to \d+ waiting/);
    const pool = one(report, 'pool-saturation');
    expect(pool.evidence.pool_size).toBe(10);
    expect(pool.evidence.max_waiting).toBeGreaterThan(10);
    expect(pool.t_s!).toBeLessThanOrEqual(sat.t_s! + 5);
    expect(report.pool.status).toBe('gauges');
    expect(report.pool.timeline.length).toBeGreaterThan(15);
    expect(report.diagnosis.find((d) => d.id === 'pool')?.status).toBe('found');
    expect(text).toMatch(/pool-saturation · /);
  }, 60_000);

  it('control server with a no-op deploy: no break', async () => {
    const { report } = await replay('control', { baseMs: 2 },
      'name: ramp\narrival: poisson\nstages:\n  - { duration: 18s, from: 50, to: 300 }\nevents:\n  - { at: 9s, action: deploy }\n', ['p99<200ms']);
    expect(report.breaks.map((b) => b.summary)).toEqual([]);
    expect(report.verdict.status).toBe('pass');
  }, 60_000);
});
