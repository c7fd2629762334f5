/**
 * monday-9am against the demo on real PostgreSQL, through the built CLI with
 * no --target (what the README's first command promises, on the real server): the one report
 * names the slow big tenants on the orders endpoint, the cold window after
 * the night-time deploy, and the saturation point of the 9am ramp with the
 * pool waiting. Compressed further than the first run (--speed 60: one minute)
 * to keep the suite short. Its database is observed (demo.yaml's
 * observe.postgres is DATABASE_URL): slow statements, plans.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipWithoutPg } from '../helpers/pg.js';
import { reportSchemaErrors } from '../helpers/schema.js';
import { median } from '../../src/analyze/stats.js';
import { readManifest } from '../../src/data/manifest.js';
import { DEFAULT_DEMO_SCALE, ensureDataset } from '../../src/demo/dataset.js';
import { CLI, e2eSetup, type E2eContext } from './e2e-setup.js';
import { TEST_CACHE_DIR, bySize, runFirstCommand } from './helpers.js';

// One retry: on a shared 2-core machine the run's first seconds sometimes read as a saturation
// (a 2 s knee in the night, before any ramp) and the assertion on where saturation lands fails;
// a second whole run judges the same claims again. The instability is the demo's, and is tracked.
describe.skipIf(skipWithoutPg())('monday-9am against the demo (PostgreSQL)', { retry: 1 }, () => {
  let ctx: E2eContext;
  beforeAll(async () => {
    ctx = await e2eSetup();
  });
  afterAll(async () => ctx?.done());

  it('names the slow big tenants of list-orders, the cold window after the deploy and the saturation point', async () => {
    const run = await runFirstCommand(CLI, ['--profile', 'monday-9am', '--speed', '60'], ctx.env, ctx.cwd);
    // 2: the peak is past what the demo serves, so the SLOs fail (as they should).
    expect([0, 2], run.stderr).toContain(run.code);
    expect(reportSchemaErrors(run.report)).toEqual([]);
    expect(run.meta.speed).toBe(60);
    const manifest = await readManifest((await ensureDataset({ scale: DEFAULT_DEMO_SCALE.postgres, cacheDir: TEST_CACHE_DIR })).manifestFile);
    const biggest = new Set(bySize(manifest).slice(0, Math.ceil(manifest.tenants.length / 100)).map((t) => t.id));

    // The slow big tenants: the biggest 1%, named.
    const skew = run.report.breaks.find((b) => b.kind === 'data-skew' && b.endpoint === 'list-orders');
    expect(skew, run.stdout).toBeDefined();
    const ev = skew!.evidence as { end: string; ratio: number | null; p50_ratio: number | null; tenants: { tenant: string; rows: number }[] };
    expect(ev.end).toBe('big');
    expect(Math.max(ev.ratio ?? 0, ev.p50_ratio ?? 0)).toBeGreaterThanOrEqual(3);
    expect(ev.tenants.length).toBeGreaterThan(0);
    expect(biggest.has(ev.tenants[0]!.tenant)).toBe(true);

    // The cold window: starts at the deploy (4m of the profile: 4 s at --speed 60), on the cached dashboard or overall.
    const deploy = run.report.events.find((e) => e.action === 'deploy');
    expect(deploy?.ok).toBe(true);
    expect(deploy!.t_s).toBeCloseTo(4, 0);
    const cold = run.report.breaks.find((b) => b.kind === 'cold-cache');
    expect(cold, run.stdout).toBeDefined();
    expect(cold!.endpoint === null || cold!.endpoint === 'dashboard').toBe(true);
    expect(Math.abs((cold!.t_s ?? -1) - deploy!.t_s)).toBeLessThanOrEqual(2);

    // The saturation point: after the night (12 s) and at an offered rate well above the night's, so
    // it is load, not the cold window; with the pool waiting. Where in the ramps it lands depends on the
    // machine's capacity (on CI's machine: 18 s, the 9am ramp's first second).
    const sat = run.report.breaks.find((b) => b.kind === 'saturation');
    expect(sat, run.stdout).toBeDefined();
    expect(sat!.t_s ?? 0).toBeGreaterThanOrEqual(12);
    const nightRps = median(run.report.timeline.filter((r) => r.t_s >= 5 && r.t_s < 12).map((r) => r.offered_rps)) ?? 0;
    expect(nightRps).toBeGreaterThan(0);
    expect(sat!.offered_rps ?? 0).toBeGreaterThan(1.5 * nightRps);
    expect(run.report.breaks.some((b) => b.kind === 'pool-saturation')).toBe(true);

    // The demo's database (DATABASE_URL, through demo.yaml's observe.postgres): its statements and the critical queries' plans.
    const db = run.report.database;
    expect(db?.statements.available, run.stderr).toBe(true);
    expect(db!.statements.top_by_total.some((q) => /FROM orders/i.test(q.query))).toBe(true);
    expect(db!.plans.some((p) => p.query === 'pending-orders' && p.ok)).toBe(true);
  }, 240_000);
});
