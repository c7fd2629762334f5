/**
 * Real runs (the replay engine against planted servers, real-run.ts): a pool
 * of 10 slots × 50 ms saturates at 200 rps and the break must land within 15%
 * of it; a control server with a no-op deploy must give no break.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { POOL, hasEngine, kinds, one, removeRealRuns, replay } from './real-run.js';

afterAll(removeRealRuns);

describe.skipIf(!hasEngine)('real runs: saturation and a control', { retry: 1 }, () => {
  it('pool of 10 slots x 50 ms (200 rps) on a ramp: the saturation break lands within 15% of 200 rps', async () => {
    const { report } = await replay('pool', { baseMs: 1, pool: POOL },
      'name: ramp\narrival: poisson\nstages:\n  - { duration: 26s, from: 140, to: 260 }\n', ['p99<500ms']);
    expect(kinds(report)).toEqual(['saturation']);
    const b = one(report, 'saturation');
    expect(Math.abs(b.offered_rps! - 200) / 200, b.summary).toBeLessThan(0.15);
    expect(Math.abs((b.evidence.achieved_plateau_rps as number) - 200) / 200).toBeLessThan(0.05);
    expect(b.evidence.queueing).toBe('likely');
  }, 60_000);

  it('control server with a no-op deploy: no break', async () => {
    const { report } = await replay('control', { baseMs: 2 },
      'name: ramp\narrival: poisson\nstages:\n  - { duration: 18s, from: 50, to: 300 }\nevents:\n  - { at: 9s, action: deploy }\n', ['p99<200ms']);
    expect(report.breaks.map((b) => b.summary)).toEqual([]);
    expect(report.verdict.status).toBe('pass');
  }, 60_000);
});
