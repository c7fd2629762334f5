/**
 * The README's first command, `npx prodshape replay --profile monday-9am`, as
 * a user runs it: the package's bin (its shebang and mode), no --target, no
 * DATABASE_URL, an empty working directory. The demo starts on its embedded
 * PostgreSQL server (the cache is the demo tests' own, so the dataset is
 * generated and loaded once for the suite), is observed like a staging
 * database, and is stopped with its server when the run ends. Played at
 * --speed 90 (40 s) to keep the suite short; the rest is the README's. The
 * rates are the profile's at any speed, so the peak saturates as much: in a
 * run on 2026-12-04 the pool had up to 106 requests waiting over 19 scrapes
 * (18 s), and 28% of the requests failed (the bound below is two thirds).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { reportSchemaErrors } from '../helpers/schema.js';
import { runningPostmaster } from '../../src/pg/cluster.js';
import { BIN, e2eSetup, type E2eContext } from './e2e-setup.js';
import { TEST_CACHE_DIR, type CliRun } from './helpers.js';

/** Every cluster slot's data directory under the test cache. */
const clusterDirs = (): string[] => {
  const root = join(TEST_CACHE_DIR, 'embedded-pg');
  return existsSync(root) ? readdirSync(root).map((slot) => join(root, slot, 'data')) : [];
};

describe('the first command: monday-9am against the demo on its embedded PostgreSQL', () => {
  let ctx: E2eContext;
  beforeAll(async () => {
    ctx = await e2eSetup();
  });
  afterAll(async () => ctx?.done());

  it('starts the demo and its server, plays the Monday with its release, observes the database, names the plan regression and the saturated pool, and leaves no postgres behind', async () => {
    // The package's bin, as `npx prodshape` runs it (its shebang and mode), not `node dist/cli/main.js`.
    const child = spawn(BIN, ['replay', '--profile', 'monday-9am', '--speed', '90'], { cwd: ctx.cwd, env: ctx.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    // 2: the 9am peak is past what the released demo serves, so the SLOs fail (as they should).
    expect(code, stderr).toBe(2);
    expect(stderr).toMatch(/its embedded PostgreSQL server/);

    // The run directory and report.html are the last two lines, once each; the run directory under ./runs.
    const lines = stdout.trim().split('\n');
    const runDir = (lines[lines.length - 2] ?? '').replace(/^run directory: /, '');
    expect(lines[lines.length - 2]).toMatch(/^run directory: /);
    expect(lines[lines.length - 1]).toMatch(/^report: \S+report\.html$/);
    expect(stdout.match(/^run directory: /gm)).toHaveLength(1);
    expect(runDir.startsWith(join(ctx.cwd, 'runs'))).toBe(true);
    const report = JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')) as CliRun['report'] & {
      diagnosis: { id: string; status: string; summary: string }[];
    };
    const meta = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as CliRun['meta'];
    expect(reportSchemaErrors(report)).toEqual([]);
    expect(report.profile).toBe('monday-9am');
    expect(meta.speed).toBe(90);

    // The night-time release fired: the deploy at 6m of the profile, its migration at 12m (4 s and 8 s at --speed 90).
    expect(report.events.map((e) => [e.action, e.ok])).toEqual([['deploy', true], ['migrate', true]]);

    // Observed like a staging database: every diagnosis step says found or clear, none "not observed".
    expect(report.diagnosis.map((d) => [d.id, d.status]).filter(([, s]) => s === 'not-observed')).toEqual([]);
    expect(report.diagnosis.length).toBe(5);
    const db = report.database;
    expect(db?.statements.available, stderr).toBe(true);
    expect(db!.statements.top_by_total.some((q) => /FROM orders/i.test(q.query))).toBe(true);
    expect(db!.plans.some((p) => p.query === 'pending-orders' && p.ok)).toBe(true);

    // The plan regression: pending-orders flipped to the migration's index after the migrate event, with more rows examined.
    const migrate = report.events.find((e) => e.action === 'migrate')!;
    const pr = report.breaks.find((b) => b.kind === 'plan-regression' && b.evidence.query === 'pending-orders');
    expect(pr, report.breaks.map((b) => b.summary).join('\n')).toBeDefined();
    expect(pr!.summary).toMatch(/after the migrate event/);
    expect(String(pr!.evidence.after)).toMatch(/orders_created_at_idx/);
    expect(pr!.t_s).toBeCloseTo(migrate.t_s, 0);

    // The 9am peak saturates the pool of 4, with requests waiting for it.
    const pool = report.breaks.find((b) => b.kind === 'pool-saturation');
    expect(pool, stdout).toBeDefined();
    expect(pool!.evidence).toMatchObject({ pool_size: 4 });
    expect(pool!.evidence.max_waiting as number).toBeGreaterThan(0);

    // Overload is shed (503 past a 2 s pool wait), not a wall of timeouts: whatever fails is the server's 5xx
    // (100% in the runs measured; at most 10% of the errors may be anything else), and the failures stay a
    // smaller part of the run. How many fail depends on how long the pool waits on this machine: 0% (a fast
    // CI machine, the pool full but never past 2 s) to 42% over first runs on a busy 2-core machine
    // (docs/demo.md, Measured), 50.3% once in CI with a compile beside it; the bound, two thirds, leaves a
    // third above that worst run. The pool's saturation itself is checked above.
    const errorsByClass = meta.extra.totals.errors;
    const notShed = report.summary.errors - (errorsByClass['5xx'] ?? 0);
    expect(notShed, JSON.stringify(errorsByClass)).toBeLessThanOrEqual(0.1 * report.summary.errors);
    expect(report.summary.errors / report.summary.requests).toBeLessThan(2 / 3);

    // Nothing left running: the demo answers no more, and no postgres runs on any of the cache's clusters.
    await expect(fetch(`${meta.target}/healthz`)).rejects.toThrow();
    expect(clusterDirs().length).toBeGreaterThan(0);
    for (const dir of clusterDirs()) expect(runningPostmaster(dir), dir).toBeNull();
  }, 300_000);
});
