/**
 * spike-3x against the demo on its embedded PostgreSQL server (the default), through the built CLI with no
 * --target: the report finds the saturation point in the spike, with the
 * pool waiting. --speed 5 (42 s) keeps the suite short.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportSchemaErrors } from '../helpers/schema.js';
import { CLI, e2eSetup, type E2eContext } from './e2e-setup.js';
import { runFirstCommand } from './helpers.js';

describe('spike-3x against the demo (embedded PostgreSQL)', () => {
  let ctx: E2eContext;
  beforeAll(async () => {
    ctx = await e2eSetup();
  });
  afterAll(async () => ctx?.done());

  it('saturates in the spike with the pool waiting', async () => {
    const speed = 5;
    const run = await runFirstCommand(CLI, ['--profile', 'spike-3x', '--speed', String(speed)], ctx.env, ctx.cwd);
    expect([0, 2], run.stderr).toContain(run.code);
    expect(reportSchemaErrors(run.report)).toEqual([]);
    const spikeFromS = 60 / speed;
    const spikeToS = 120 / speed;
    const saturation = run.report.breaks.find((b) => b.kind === 'saturation');
    expect(saturation, run.stdout).toBeDefined();
    // It broke in the spike (a couple of seconds of slack), at an offered rate above the baseline's.
    expect(saturation!.t_s).toBeGreaterThanOrEqual(spikeFromS - 2);
    expect(saturation!.t_s).toBeLessThanOrEqual(spikeToS + 2);
    expect(saturation!.offered_rps).toBeGreaterThan(1.5 * 100 * run.meta.rate_scale);
    const pool = run.report.breaks.find((b) => b.kind === 'pool-saturation');
    expect(pool, run.stdout).toBeDefined();
    expect(pool!.evidence).toMatchObject({ pool_size: 4 });
    expect(pool!.evidence.max_waiting as number).toBeGreaterThan(0);
  }, 180_000);
});
