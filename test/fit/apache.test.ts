/**
 * Fit on the real Apache log (apache_logs.log from the test data, see helpers/shared.ts; 17–20 May 2015).
 *
 * What this log really holds: every line is stamped at minute :05 of its hour
 * (HH:05:00–HH:05:59), about 120 lines per hour, every hour: a one-minute
 * sample of each hour, with the same count each hour. So its true curve is
 * flat at ~0.033 req/s across the four days, and it has no daily cycle to find
 * (counting the partly covered first and last days naively would fake one:
 * the hours 10–21 appear on four days, the others on three). The fit must say
 * all of that: flat stages, no cycle, and a warning that requests come in bursts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectedArrivals, loadProfile, profileDurationMs } from '../../src/scenario/profile.js';
import { loadScenario } from '../../src/scenario/scenario.js';
import { fitLog, formatFitSummary, profileYaml, scenarioYaml, type FitResult } from '../../src/traffic/fit/index.js';
import { sharedDataFile } from '../helpers/shared.js';
import { CLI, ensureBuilt } from '../helpers/cli.js';

const LOG = sharedDataFile('apache_logs.log');
const tmp = mkdtempSync(join(tmpdir(), 'prodshape-fit-apache-'));

describe('fit on the real Apache log', () => {
  let fit: FitResult;
  beforeAll(async () => {
    fit = await fitLog(LOG);
  });

  it('fits all 10,000 requests over its 3.5 days in hourly intervals', () => {
    expect(fit.requests).toBe(10_000);
    expect(fit.log.malformed).toBe(0);
    expect(new Date(fit.firstMs).toISOString()).toBe('2015-05-17T10:05:00.000Z');
    expect(fit.curve.intervalS).toBe(3600);
    // 83 hours and the last burst (21:05): a bursty log's short last interval counts as a whole hour.
    expect(fit.curve.counts).toHaveLength(84);
    expect(fit.meanRps).toBeCloseTo(10_000 / (84 * 3600), 5);
    expect(fit.peakRps / fit.meanRps).toBeLessThan(1.2);
  });

  it('shows its daily shape as it is: flat, no cycle, with the bursts flagged', () => {
    const d = fit.daily;
    expect(d).not.toBeNull();
    expect(d?.hourlyRps).toHaveLength(24);
    // Every hour of the day within 10% of the mean: ~120 requests each hour, all four days.
    for (const r of d?.hourlyRps ?? []) expect(Math.abs(r / fit.meanRps - 1)).toBeLessThan(0.1);
    expect(d?.cycle).toBe(false);
    expect(d?.days).toBeGreaterThanOrEqual(3);
    expect(fit.dispersion?.index).toBeGreaterThan(50);
    expect(fit.dispersion?.activeFraction).toBeLessThan(0.05);
    expect(fit.warnings.join('\n')).toMatch(/requests come in bursts/);
    expect(fit.warnings.join('\n')).toMatch(/no daily cycle/);
    // A flat curve needs few stages, each near the mean.
    expect(fit.stages.length).toBeLessThanOrEqual(4);
    expect(fit.stagesError).toBeLessThan(0.1);
  });

  it('finds the endpoints and the popularity of paths', () => {
    const top = fit.endpoints.templates.slice(0, 5).map((t) => `${t.method} ${t.template}`);
    expect(top).toEqual(['GET /favicon.ico', 'GET /', 'GET /style2.css', 'GET /reset.css', 'GET /images/jordan-80.png']);
    expect(fit.endpoints.templates[0]?.share).toBeCloseTo(799 / 10_000, 4); // GET only: 8 HEADs are their own endpoint
    // The year in /images/web/2009/banner.png is an id-like segment.
    expect(fit.endpoints.templates.some((t) => t.template === '/images/web/{web.id}/banner.png')).toBe(true);
    // No tenant in these paths: the skew is that of the paths themselves (a site's pages, Zipf-like).
    expect(fit.zipf?.basis).toBe('path');
    expect(fit.zipf?.fit.s).toBeGreaterThan(0.7);
    expect(fit.zipf?.fit.s).toBeLessThan(1.3);
    expect(fit.zipf?.fit.ids).toBe(1368);
  });

  it('prints a sensible summary', () => {
    const s = formatFitSummary(fit);
    expect(s).toMatch(/10,000 requests, no malformed lines/);
    expect(s).toMatch(/2015-05-17 10:05:00 → 2015-05-20 21:05:59 \(\+00:00\), 3d 11h/);
    expect(s).toMatch(/mean 0\.033\d req\/s/);
    expect(s).toMatch(/8\.0% {2}GET \/favicon\.ico/);
    expect(s).toMatch(/zipf +s = \d\.\d\d over path popularity/);
    expect(s).toMatch(/daily +no cycle/);
  });

  it('writes a profile and a scenario that load and validate', async () => {
    writeFileSync(join(tmp, 'apache.yaml'), profileYaml(fit, 'apache'));
    writeFileSync(join(tmp, 'apache-s.yaml'), scenarioYaml(fit, 'apache'));
    const p = await loadProfile(join(tmp, 'apache.yaml'));
    expect(p.name).toBe('apache');
    expect(p.fit?.zipf_s).toBeCloseTo(fit.zipf?.fit.s ?? 0, 2);
    expect(p.description).toMatch(/Fitted by `prodshape fit` from apache_logs\.log/);
    expect(profileDurationMs(p)).toBe(fit.curve.durationsS.reduce((a, b) => a + b, 0) * 1000);
    expect(expectedArrivals(p) / 10_000).toBeCloseTo(1, 1);
    const s = await loadScenario(join(tmp, 'apache-s.yaml'));
    expect(s.endpoints).toHaveLength(20);
    expect(s.endpoints[0]).toMatchObject({ name: 'get-favicon.ico', method: 'GET', path: '/favicon.ico', weight: 7.99 });
  });
});

describe('`prodshape fit` (built CLI) on the real Apache log', () => {
  it('writes files that loadProfile and loadScenario accept, and prints the summary', async () => {
    ensureBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'prodshape-fit-cli-'));
    const stdout = execFileSync(process.execPath, [CLI, 'fit', '--log', LOG, '--out', 'profiles/apache.yaml', '--scenario-out', 'scenarios/apache.yaml'], { cwd: dir, encoding: 'utf8' });
    expect(stdout).toMatch(/Fitted .*apache_logs\.log \(combined\): 10,000 requests/);
    expect(stdout).toMatch(/wrote profiles\/apache\.yaml \(\d+ stages?\) and scenarios\/apache\.yaml \(20 endpoints\)/);
    const p = await loadProfile(join(dir, 'profiles/apache.yaml'));
    expect(typeof p.fit?.zipf_s).toBe('number');
    expect((await loadScenario(join(dir, 'scenarios/apache.yaml'))).endpoints.length).toBe(20);
    expect(readFileSync(join(dir, 'profiles/apache.yaml'), 'utf8')).toMatch(/^# Fitted by/);
  });

  it('exits 1 naming the file for a missing log, and the flag for a bad option', () => {
    const run = (args: string[]): { status: number | null; stderr: string } => {
      try {
        execFileSync(process.execPath, [CLI, 'fit', ...args], { cwd: tmp, encoding: 'utf8', stdio: 'pipe' });
        return { status: 0, stderr: '' };
      } catch (e) {
        const err = e as { status: number | null; stderr: string };
        return { status: err.status, stderr: err.stderr };
      }
    };
    const missing = run(['--log', 'nope.log', '--out', 'p.yaml']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/cannot read nope\.log \(ENOENT\)/);
    const smooth = run(['--log', LOG, '--out', 'p.yaml', '--smooth', '2']);
    expect(smooth.status).toBe(1);
    expect(smooth.stderr).toMatch(/--smooth: expected an odd number/);
  });
});
