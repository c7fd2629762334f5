/**
 * spike-3x against the demo on its embedded PostgreSQL server (the default),
 * played twice on the same machine, and both reports must name the planted
 * breaks:
 * - by `prodshape replay` through the built CLI with no --target (the
 *   first-run path fits the rates to the demo's measured capacity): the
 *   saturation point in the spike, with the pool waiting, and the skewed
 *   tenant on list-orders;
 * - by a real k6 (v0.47.0) running the exported script with the same speed
 *   and rate scale against `prodshape demo`, its results imported with
 *   `report --from-k6`: the same saturation in the spike and the same skewed
 *   tenant. k6's own path has no database observer, so pool and plan evidence
 *   are the native run's alone. This half is skipped where no k6 can run.
 *
 * --speed 10 plays the 3.5-minute profile in 21 s: the spike is 6-12 s.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { readManifest } from '../../src/data/index.js';
import { DEMO_SCENARIO_FILE, measureCapacityRps, mixSampler } from '../../src/demo/first-run.js';
import { loadScenario } from '../../src/scenario/scenario.js';
import { runCli } from '../helpers/cli.js';
import { reportSchemaErrors } from '../helpers/schema.js';
import { k6Binary } from '../helpers/shared.js';
import { runK6 } from '../k6/real-k6.js';
import { CLI, e2eSetup, type E2eContext } from './e2e-setup.js';
import { runFirstCommand, type CliRun } from './helpers.js';

const k6 = k6Binary();
const SPEED = 10;
const SPIKE_FROM_S = 60 / SPEED;
const SPIKE_TO_S = 120 / SPEED;

type Break = CliRun['report']['breaks'][number];

/** `prodshape demo --json` on the demo tests' cache (the same embedded cluster and dataset as the native run). */
const startDemo = (env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string; dataDir: string }> => {
  const child = spawn(process.execPath, [CLI, 'demo', '--port', '0', '--json', '--acquire-timeout', '2s'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => {
      const info = JSON.parse(line) as { url: string; data_dir: string };
      resolve({ child, url: info.url, dataDir: info.data_dir });
    });
    child.once('exit', (code) => reject(new Error(`prodshape demo exited (${code}) before it was ready: ${stderr}`)));
  });
};

const stopped = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null ? Promise.resolve() : new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });

/** The tenant the data-skew break on list-orders names first (its biggest), or undefined. */
const skewTenant = (breaks: Break[]): string | undefined => {
  const skew = breaks.find((b) => b.kind === 'data-skew' && b.endpoint === 'list-orders');
  const tenants = skew?.evidence.tenants as { tenant: string }[] | undefined;
  return tenants?.[0]?.tenant;
};

/** The SLO both runs judge latency by (the demo scenario's, and the k6 export's --slo), ms. */
const SLO_P99_MS = 500;

/** Achieved below this share of offered in a second is a second the target did not keep up with. */
const KEPT_UP_SHARE = 0.9;

type Second = CliRun['report']['timeline'][number];

/** A second in which the target was past its capacity by what the run measured: p99 over the SLO, or achieved under KEPT_UP_SHARE of offered. */
const overloaded = (s: Second): boolean => (s.p99_ms ?? 0) > SLO_P99_MS || s.achieved_rps < KEPT_UP_SHARE * s.offered_rps;

/**
 * The share of the run's own seconds in [fromS, toS) (seconds with traffic) that were overloaded. Null when none.
 * What the run measured before its spike, to judge a saturation it names there.
 */
const overloadedShare = (report: CliRun['report'], fromS: number, toS: number): number | null => {
  const seconds = report.timeline.filter((s) => s.t_s >= fromS && s.t_s < toS && s.offered_rps > 0);
  if (seconds.length === 0) return null;
  return seconds.filter(overloaded).length / seconds.length;
};

/**
 * Saturation in the spike: two seconds of slack each side (windows are whole seconds and the fit is to a probe made
 * moments before). A saturation named before the spike is accepted when at least half of the run's own seconds from
 * it to the spike were overloaded (p99 over the SLO, or achieved under 90% of offered): that run was past its
 * target's capacity before the spike, and saying so is the right verdict. The rates are fitted to a capacity measured before the run; a machine that gets busier after the
 * measurement (a shared CI machine) serves less during it, and k6 costs the 2-core machine more CPU than the native
 * engine. It must still be named, and no later than the spike's end. Returns whether it was in the spike.
 */
const expectSaturationInSpike = (name: string, report: CliRun['report'], described: string): boolean => {
  const sat = report.breaks.find((b) => b.kind === 'saturation');
  expect.soft(sat, `${name} names no saturation\n${described}`).toBeDefined();
  const tS = sat?.t_s ?? Number.NaN;
  const before = tS < SPIKE_FROM_S - 2 ? overloadedShare(report, tS, SPIKE_FROM_S) : null;
  if (before !== null) {
    const seconds = JSON.stringify(report.timeline.filter((x) => x.t_s < SPIKE_FROM_S));
    expect.soft(before, `${name} saturation at ${tS} s, before the spike: share of its seconds up to the spike that were overloaded\n${seconds}\n${described}`).toBeGreaterThanOrEqual(0.5);
  } else {
    expect.soft(tS, `${name} saturation time\n${described}`).toBeGreaterThanOrEqual(SPIKE_FROM_S - 2);
  }
  expect.soft(tS, `${name} saturation time\n${described}`).toBeLessThanOrEqual(SPIKE_TO_S + 2);
  return before === null;
};

describe('spike-3x against the demo (embedded PostgreSQL)', () => {
  let ctx: E2eContext;
  let native: CliRun | undefined;
  beforeAll(async () => {
    ctx = await e2eSetup();
  });
  afterAll(async () => ctx?.done());

  // Retried once (the whole first-run path again: a new probe and a new run): at cf01bb8 a clean-clone run's probe
  // read ~78 requests/s (139 closed-loop) while the demo then served the spike's 150 requests/s with p99 392 ms:
  // the rates were fitted to a low reading, nothing saturated, and no saturation was named (the pool was exhausted,
  // and that was named). The fit reads what the machine serves at the time; this machine's host freezes it ~100 ms
  // at a time when both cores stay busy, as the probe's closed loops keep them (docs/benchmarks.md).
  it('saturates in the spike with the pool waiting, and names the skewed tenant', { retry: 1, timeout: 180_000 }, async () => {
    const run = await runFirstCommand(CLI, ['--profile', 'spike-3x', '--speed', String(SPEED)], ctx.env, ctx.cwd);
    native = run;
    expect([0, 2], run.stderr).toContain(run.code);
    expect(reportSchemaErrors(run.report)).toEqual([]);
    // What the probe measured (stderr) goes into every message: a run past its capacity from the start means the probe read high.
    const described = `${run.stdout}\n${run.stderr.split('\n').filter((l) => /measured capacity/.test(l)).join('\n')}`;
    const inSpike = expectSaturationInSpike('native', run.report, described);
    // In the spike: at an offered rate above the baseline's (100 rps in the profile, times the fitted scale).
    const saturation = run.report.breaks.find((b) => b.kind === 'saturation');
    if (inSpike) expect(saturation?.offered_rps, described).toBeGreaterThan(1.5 * 100 * run.meta.rate_scale);
    const pool = run.report.breaks.find((b) => b.kind === 'pool-saturation');
    expect(pool, described).toBeDefined();
    expect(pool!.evidence).toMatchObject({ pool_size: 4 });
    expect(pool!.evidence.max_waiting as number).toBeGreaterThan(0);
    // The skew detector judges the healthy seconds only. A run overloaded from its first seconds has none, and
    // naming no skewed tenant is then the right verdict, wherever the saturation break was placed (a clean-clone
    // run on 2026-12-04 had its pool exhausted from 1 s, 0 healthy seconds, and the break at the spike's start);
    // a run with three healthy seconds or more must name it.
    const healthySeconds = run.report.timeline.filter((x) => x.offered_rps > 0 && !overloaded(x));
    if (healthySeconds.length >= 3) expect(skewTenant(run.report.breaks), `${healthySeconds.length} healthy seconds\n${described}`).toBeDefined();
  });

  // Retried once (a new demo, warmed again, and a new k6 run): at 5a1ea15 a quiet clean-clone run's k6 seconds 0-2 read
  // p99 400-700 ms (the demo not yet as warm as the native run's, whose capacity probe runs longer), and the
  // saturation was named at 2 s with one of the four seconds before the spike overloaded; it passed in the three
  // clean-clone runs before it, on the same code.
  it.skipIf(k6.path === null)(`k6 (the exported script, same speed and rate scale) names the same saturation and skewed tenant${k6.skip === null ? '' : ` (skipped: ${k6.skip})`}`, { timeout: 300_000, retry: 1 }, async () => {
    if (native === undefined) throw new Error('the native run above did not complete');
    const demo = await startDemo(ctx.env);
    try {
      // Warmed as the native path warms its demo before it plays: `prodshape demo` starts with the
      // biggest tenants' dashboards cached, then seconds of closed-loop load as the capacity probe
      // gives it. A cold demo is a different target, slower at first.
      const manifest = await readManifest(join(demo.dataDir, 'manifest.json'));
      const mix = mixSampler(await loadScenario(DEMO_SCENARIO_FILE), manifest, createRng(1, 'demo-calibration'));
      await measureCapacityRps(demo.url, mix, { concurrency: 16, rounds: 3 });

      // A folder per attempt: a retry writes the script, results and report again, and `--out` refuses to overwrite.
      const attempt = mkdtempSync(join(ctx.cwd, 'k6-'));
      const script = join(attempt, 'spike.js');
      const exported = await runCli(['k6', '--scenario', 'demo', '--profile', 'spike-3x', '--data', demo.dataDir, '--out', script,
        '--speed', String(SPEED), '--rate-scale', String(native.meta.rate_scale), '--slo', `p99<${SLO_P99_MS}ms`]);
      expect(exported.code, exported.stderr).toBe(0);
      const results = join(attempt, 'results.json.gz');
      const run = await runK6(k6.path ?? '', ['-e', `TARGET=${demo.url}`, '--out', `json=${results}`, script], {}, 120_000);
      // 99: the p99 threshold crossed, as the native run's SLO fails; 0 if the spike did not hurt (then the asserts below say so).
      expect([0, 99], run.stderr).toContain(run.code);
      const out = join(attempt, 'k6-report');
      const imported = await runCli(['report', '--from-k6', results, '--out', out], { env: { NO_COLOR: '1' } });
      expect([0, 2], imported.stderr).toContain(imported.code);
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as CliRun['report'];
      expect(reportSchemaErrors(report)).toEqual([]);

      const described = `native:\n${native.stdout}\nk6:\n${imported.stdout}`;
      expectSaturationInSpike('k6', report, described);
      // The same skewed tenant, when k6 names one. k6's fixed VU pool drops arrivals in a spike twice past the demo's
      // capacity (the native open model drops none); the skew detector judges the healthy seconds, which then hold too few
      // of the biggest tenants' requests to judge: k6 naming none is accepted only when it dropped arrivals.
      const k6Dropped = (report.summary as { dropped?: number }).dropped ?? 0;
      const k6Skew = skewTenant(report.breaks);
      if (k6Skew !== undefined || k6Dropped === 0) expect.soft(k6Skew, described).toBe(skewTenant(native.report.breaks));
      // Both paths sent the same plan: counts within Poisson noise of each other (3 sigma of the larger, plus 2 at the edges).
      const arrivals = (r: CliRun['report']): number => r.summary.requests + ((r.summary as { dropped?: number }).dropped ?? 0);
      const a = arrivals(native.report);
      const b = arrivals(report);
      expect(Math.abs(a - b), `native ${a} arrivals, k6 ${b}`).toBeLessThanOrEqual(3 * Math.sqrt(Math.max(a, b)) + 2);
    } finally {
      await stopped(demo.child);
    }
  });
});
