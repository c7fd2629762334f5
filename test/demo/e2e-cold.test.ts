/**
 * post-deploy-cold against the demo on its embedded PostgreSQL server (the default), through the built CLI
 * with no --target: the report finds the cold window that starts at the
 * deploy. --speed 12 (30 s: 10 s warm, 20 s after the deploy) keeps the suite
 * short; the cold window lasts a few seconds of the run whatever the speed (the
 * rates are the same, so the caches refill as fast): 5 s at a cold/warm p99 ratio
 * of 10 in a run on 2026-12-04.
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

  it('finds the cold window after the deploy', async () => {
    const speed = 12;
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
  }, 180_000);
});
