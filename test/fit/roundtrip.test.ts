/**
 * The "done when", end to end with the built CLI: fit a profile and a
 * scenario from a log, then `prodshape replay --profile` runs them at 3x
 * against a local server. Once for the real Apache log, once for a log whose
 * paths name tenants (the scenario then carries a tenants CSV).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../engine/servers.js';
import { reportSchemaErrors } from '../helpers/schema.js';
import { sharedDataFile } from '../helpers/shared.js';
import { CLI, ensureBuilt } from '../helpers/cli.js';
import { synthLines, synthRequests } from '../logs/synth.js';

const run = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), 'prodshape-roundtrip-'));

describe('fit, then replay the fitted profile at 3x (built CLI)', () => {
  let server: TestServer;
  beforeAll(async () => {
    ensureBuilt();
    server = await startServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('the real Apache log: its fitted profile and scenario run at --rate-scale 3', async () => {
    await run(process.execPath, [CLI, 'fit', '--log', sharedDataFile('apache_logs.log'), '--out', 'profiles/apache.yaml', '--scenario-out', 'scenarios/apache.yaml'], { cwd: tmp });
    server.counts.clear();
    // A profile's --speed compresses time and keeps rates: x1000 plays the 83 hours in 5 minutes at 0.033 req/s.
    // --rate-scale 3000 sends 3x the log's requests in that time (~100 req/s); the first 6 s are enough.
    const { stdout } = await run(process.execPath, [
      CLI, 'replay', '--profile', 'apache', '--scenario', 'apache', '--target', server.url, '--speed', '1000', '--rate-scale', '3000', '--duration', '6s', '--out', 'run-apache', '--seed', '1',
    ], { cwd: tmp });
    expect(stdout).toMatch(/report: /);
    const report = JSON.parse(readFileSync(join(tmp, 'run-apache', 'report.json'), 'utf8')) as { summary: { requests: number; errors: number }; endpoints: { name: string; requests: number }[] };
    expect(reportSchemaErrors(report)).toEqual([]);
    // Poisson: 600 expected, ±5 sd.
    expect(Math.abs(report.summary.requests - 600)).toBeLessThan(5 * Math.sqrt(600));
    expect(report.summary.errors).toBe(0);
    const top = [...report.endpoints].sort((a, b) => b.requests - a.requests)[0];
    expect(top?.name).toBe('get-favicon.ico');
    expect(server.counts.get('GET /favicon.ico')).toBeGreaterThan(0);
    // The year in /images/web/2009/banner.png came back as it was.
    expect(server.counts.get('GET /images/web/2009/banner.png')).toBeGreaterThan(0);
  });

  it('a log with tenants: the scenario picks them by their popularity in the log', async () => {
    const reqs = synthRequests({
      rate: () => 20, maxRps: 20, durationMs: 1_800_000, endpoints: [
        { method: 'GET', template: '/tenants/{tenant}/orders', weight: 3 },
        { method: 'GET', template: '/tenants/{tenant}/orders/{orders.id}', weight: 1 },
      ], tenants: 200, zipfS: 1.2, seed: 3,
    });
    writeFileSync(join(tmp, 'tenants.log'), synthLines(reqs, 'combined').join('\n'));
    const fit = await run(process.execPath, [CLI, 'fit', '--log', 'tenants.log', '--out', 'profiles/t.yaml', '--scenario-out', 'scenarios/t.yaml'], { cwd: tmp });
    expect(fit.stdout).toMatch(/zipf +s = 1\.\d\d over tenant popularity/);
    expect(readFileSync(join(tmp, 'scenarios', 't-tenants.csv'), 'utf8')).toMatch(/^tenant_id,requests\n1,\d+\n2,\d+/);
    server.counts.clear();
    await run(process.execPath, [
      CLI, 'replay', '--profile', 'profiles/t.yaml', '--scenario', 'scenarios/t.yaml', '--target', server.url, '--speed', '300', '--rate-scale', '3', '--duration', '4s', '--out', 'run-t', '--seed', '2',
    ], { cwd: tmp });
    const byTenant = new Map<string, number>();
    for (const [k, n] of server.counts) {
      const m = /^GET \/tenants\/(\d+)\/orders(\/\d+)?$/.exec(k);
      expect(m, k).not.toBeNull();
      byTenant.set(m![1]!, (byTenant.get(m![1]!) ?? 0) + n);
    }
    const total = [...byTenant.values()].reduce((a, b) => a + b, 0);
    // 20 req/s x3 for 4 s (time compressed, rates kept): ~240 requests; tenant 1 (the busiest in the log) takes the largest share.
    expect(total).toBeGreaterThan(150);
    const busiest = [...byTenant.entries()].sort((a, b) => b[1] - a[1])[0];
    expect(busiest?.[0]).toBe('1');
  });
});
