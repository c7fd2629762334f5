/**
 * monday-9am against the demo on real PostgreSQL, through the built CLI with
 * no --target: the report names the slow big tenants on the orders endpoint.
 * Compressed further than the first run (--speed 120: 30 s) to keep the suite short.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipWithoutPg } from '../helpers/pg.js';
import { reportSchemaErrors } from '../helpers/schema.js';
import { readManifest } from '../../src/data/manifest.js';
import { DEFAULT_DEMO_SCALE, ensureDataset } from '../../src/demo/dataset.js';
import { CLI, e2eSetup, type E2eContext } from './e2e-setup.js';
import { TEST_CACHE_DIR, bySize, runFirstCommand } from './helpers.js';

describe.skipIf(skipWithoutPg())('monday-9am against the demo (PostgreSQL)', () => {
  let ctx: E2eContext;
  beforeAll(async () => {
    ctx = await e2eSetup();
  });
  afterAll(async () => ctx?.done());

  it('names the slow big tenants of list-orders', async () => {
    const run = await runFirstCommand(CLI, ['--profile', 'monday-9am', '--speed', '120'], ctx.env, ctx.cwd);
    expect(run.code, run.stderr).toBe(0);
    expect(reportSchemaErrors(run.report)).toEqual([]);
    expect(run.meta.speed).toBe(120);
    const manifest = await readManifest((await ensureDataset({ scale: DEFAULT_DEMO_SCALE.postgres, cacheDir: TEST_CACHE_DIR })).manifestFile);
    const biggest = new Set(bySize(manifest).slice(0, Math.ceil(manifest.tenants.length / 100)).map((t) => t.id));
    const skew = run.report.breaks.find((b) => b.kind === 'data-skew' && b.endpoint === 'list-orders');
    expect(skew, run.stdout).toBeDefined();
    const ev = skew!.evidence as { end: string; ratio: number | null; p50_ratio: number | null; tenants: { tenant: string; rows: number }[] };
    expect(ev.end).toBe('big');
    expect(Math.max(ev.ratio ?? 0, ev.p50_ratio ?? 0)).toBeGreaterThanOrEqual(3);
    // The slowest tenants named are among the biggest 1%.
    expect(ev.tenants.length).toBeGreaterThan(0);
    expect(biggest.has(ev.tenants[0]!.tenant)).toBe(true);
    expect(run.report.breaks.some((b) => b.kind === 'cold-cache')).toBe(false);
  }, 180_000);
});
