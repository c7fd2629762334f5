/**
 * Real runs (the replay engine against planted servers, real-run.ts): a
 * per-tenant cost proportional to rows must name the biggest tenant; a cache
 * cleared by the deploy hook must give a cold window starting at the event.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { CACHE, SKEW, hasEngine, kinds, one, removeRealRuns, replay } from './real-run.js';

afterAll(removeRealRuns);

describe.skipIf(!hasEngine)('real runs: data skew and a cold cache', { retry: 1 }, () => {
  it('per-tenant cost proportional to rows: data-skew names the biggest tenant with its rows and p99', async () => {
    const { report } = await replay('skew', { baseMs: 2, skew: SKEW },
      'name: steady\narrival: poisson\nstages:\n  - { duration: 16s, rate: 150 }\n');
    expect(kinds(report)).toEqual(['data-skew']);
    const b = one(report, 'data-skew');
    expect(b.endpoint).toBe('dashboard');
    expect(b.evidence).toMatchObject({ end: 'big', class: 'top1' });
    const named = b.evidence.tenants as { tenant: string; rows: number; p99_ms: number }[];
    expect(named[0]).toMatchObject({ tenant: 't001', rows: 100_000 });
    expect(named[0]!.p99_ms).toBeGreaterThan(400);
    expect(b.summary).toMatch(/t001 \(100k rows, p99/);
  }, 60_000);

  it('cache cleared by the deploy hook: the cold window is found, starting at the event', async () => {
    const { report } = await replay('cold', { baseMs: 2, cache: CACHE },
      'name: cold\narrival: poisson\nstages:\n  - { duration: 24s, rate: 200 }\nevents:\n  - { at: 8s, action: deploy }\n');
    expect(kinds(report)).toEqual(['cold-cache']);
    const b = one(report, 'cold-cache');
    expect(b.t_s!).toBeGreaterThanOrEqual(8);
    expect(b.t_s!).toBeLessThan(8.5);
    expect(b.evidence.start_s).toBe(b.t_s);
    expect(b.evidence.window_s as number).toBeGreaterThanOrEqual(3);
    expect(b.evidence.window_s as number).toBeLessThan(16);
    expect(b.evidence.recovered).toBe(true);
    expect(b.evidence.ratio as number).toBeGreaterThan(2);
  }, 60_000);
});
