/**
 * The "done when", on a real run: one server with a planted saturation
 * point (10 slots × 50 ms = 200 rps), a planted slow tenant (t001 on
 * dashboard) and a planted cold cache (cleared by the deploy at 8 s); the
 * report's breaks name all three correctly and nothing else, in the terminal,
 * the JSON and the HTML.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { CACHE, POOL, SKEW, hasEngine, kinds, one, removeRealRuns, replay } from './real-run.js';

afterAll(removeRealRuns);

describe.skipIf(!hasEngine)('real run: all three planted together', { retry: 1 }, () => {
  it('names saturation, data skew and the cold cache, and nothing else, in terminal, JSON and HTML', async () => {
    const { report, text, html } = await replay('all', { baseMs: 2, pool: POOL, skew: SKEW, cache: CACHE },
      'name: all\narrival: poisson\nstages:\n  - { duration: 17s, rate: 120 }\n  - { duration: 22s, from: 140, to: 280 }\nevents:\n  - { at: 6s, action: deploy }\n',
      ['p99<500ms']);
    expect(kinds(report)).toEqual(['cold-cache', 'data-skew', 'saturation']);
    const sat = one(report, 'saturation');
    expect(Math.abs(sat.offered_rps! - 200) / 200, sat.summary).toBeLessThan(0.15);
    // No pool gauges in this scenario: the client-side sign stands in for them.
    expect(sat.evidence.queueing).toBe('likely');
    expect(report.diagnosis.find((d) => d.id === 'pool')).toMatchObject({ status: 'not-observed' });
    const skew = one(report, 'data-skew');
    expect(skew.endpoint).toBe('dashboard');
    expect((skew.evidence.tenants as { tenant: string }[])[0]?.tenant).toBe('t001');
    const cold = one(report, 'cold-cache');
    expect(cold.t_s!).toBeGreaterThanOrEqual(6);
    expect(cold.t_s!).toBeLessThan(6.5);
    // The same three in the terminal rendering and in the HTML, and nothing else.
    expect(text).toMatch(/Breaks \(3\)/);
    expect(html.match(/<div class="break" id="break-\d+">/g)).toHaveLength(3);
    for (const b of report.breaks) {
      expect(text).toContain(`${b.kind} · `);
      expect(html).toContain(`. ${b.kind}</span>`);
    }
  }, 90_000);
});
