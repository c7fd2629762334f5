/**
 * post-deploy-cold against the demo on its embedded PostgreSQL server (the default), through the built CLI
 * with no --target: the report finds the cold window that starts at the
 * deploy. --speed 8 (45 s) keeps the suite short. (--speed 12 failed one
 * clean-clone run in five on 2026-12-04: at the 34 requests/s the probe's
 * capacity allowed, 30 s held too few samples per second to find the window.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportSchemaErrors } from '../helpers/schema.js';
import { CLI, e2eSetup, type E2eContext } from './e2e-setup.js';
import { runFirstCommand } from './helpers.js';

describe('post-deploy-cold against the demo (embedded PostgreSQL)', () => {
  let ctx: E2eContext;
  beforeAll(async () => {
    ctx = await e2eSetup();
  });
  afterAll(async () => ctx?.done());

  // Retried once (a new probe and run): at 875714e a clean-clone run's warm seconds were already slow (overall p99
  // 693 ms, the biggest tenants' p99 361 ms), and the deploy's cold window did not stand out of them. The demo's
  // speed moves with the machine's: this VM's host freezes it ~100 ms at a time once both cores stay busy
  // (docs/benchmarks.md), and the other test groups keep them busy.
  it('finds the cold window after the deploy', { retry: 1, timeout: 180_000 }, async () => {
    const speed = 8;
    const run = await runFirstCommand(CLI, ['--profile', 'post-deploy-cold', '--speed', String(speed)], ctx.env, ctx.cwd);
    expect([0, 2], run.stderr).toContain(run.code);
    expect(reportSchemaErrors(run.report)).toEqual([]);
    const deploy = run.report.events.find((e) => e.action === 'deploy');
    expect(deploy).toMatchObject({ ok: true });
    expect(Math.abs(deploy!.t_s - 120 / speed)).toBeLessThanOrEqual(1);
    const cold = run.report.breaks.find((b) => b.kind === 'cold-cache');
    expect(cold, run.stdout).toBeDefined();
    expect(Math.abs(cold!.t_s! - deploy!.t_s)).toBeLessThanOrEqual(2);
    const ev = cold!.evidence as { window_s: number; cold_p99_ms: number; warm_p99_ms: number };
    expect(ev.window_s, JSON.stringify(ev)).toBeGreaterThan(0);
    expect(ev.cold_p99_ms, JSON.stringify(ev)).toBeGreaterThan(2 * ev.warm_p99_ms);
  });
});
