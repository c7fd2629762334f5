/** The built CLI: `prodshape k6`, and the import behind `prodshape report --from-k6`. */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt } from '../helpers/cli.js';
import { k6Lines, writeK6File, type SimRequest } from './k6-results.js';
import { loadShim } from './shim.js';
import { typeCheck } from './typecheck.js';
import { FIXTURES } from './profiles.js';

const exec = promisify(execFile);

const prodshape = async (args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> => {
  try {
    const r = await exec(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: x.code ?? -1, stdout: x.stdout ?? '', stderr: x.stderr ?? '' };
  }
};

describe('prodshape k6 (built CLI)', () => {
  // Builds dist/ only when a source file is newer (shared with the report CLI tests).
  beforeAll(() => ensureBuilt(), 120_000);

  it('exports a scenario and profile found by name, and says how to run it', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'prodshape-k6-cli-'));
    mkdirSync(join(cwd, 'scenarios'));
    mkdirSync(join(cwd, 'profiles'));
    for (const f of ['orders.yaml', 'manifest.json']) copyFileSync(join(FIXTURES, f), join(cwd, 'scenarios', f));
    copyFileSync(join(FIXTURES, 'spike.yaml'), join(cwd, 'profiles', 'spike.yaml'));
    const r = await prodshape(['k6', '--scenario', 'orders', '--profile', 'spike', '--out', 'k6/spike.ts', '--speed', '2', '--target', 'http://127.0.0.1:8080', '--slo', 'dashboard:p99<1s'], cwd);
    expect(r.stderr).toContain('warning: event migrate at 50s skipped: shell actions cannot run inside k6');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('wrote k6/spike.ts and k6/spike.data.json (200 tenants)');
    expect(r.stdout).toContain('orders-fixture × spike-fixture: 1m10s, peak 800/s, ~19500 requests, 5 endpoints');
    expect(r.stdout).toContain('events: deploy at 22s500ms');
    expect(r.stdout).toContain('k6 run -e TARGET=http://127.0.0.1:8080 --out json=results.json.gz k6/spike.ts');
    const script = readFileSync(join(cwd, 'k6', 'spike.ts'), 'utf8');
    expect(script).toContain("'http_req_duration{endpoint:dashboard}': ['p(99)<1000']");
    expect(script).toContain('Regenerate with: prodshape k6 --scenario orders --profile spike --out k6/spike.ts --speed 2');
    expect(existsSync(join(cwd, 'k6', 'spike.data.json'))).toBe(true);
  });

  it('exports spike-3x for the demo scenario over a generated dataset: a script k6 can run as is', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'prodshape-k6-demo-'));
    const gen = await prodshape(['generate', '--scenario', 'saas-orders', '--out', 'data', '--scale', '0.05'], cwd);
    expect(gen.code, gen.stderr).toBe(0);
    const r = await prodshape(['k6', '--scenario', 'demo', '--profile', 'spike-3x', '--data', 'data', '--out', 'k6/spike.ts'], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/wrote k6\/spike\.ts and k6\/spike\.data\.json \(\d+ tenants\)/);
    expect(r.stdout).toContain('demo × spike-3x');
    expect(r.stdout).toContain('thresholds: p99<500ms, errors<1%');
    const tsc = await typeCheck(join(cwd, 'k6'), ['spike.ts']);
    expect(tsc.output).toBe('');
    expect(tsc.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(cwd, 'data', 'manifest.json'), 'utf8')) as { tenants: { id: string }[] };
    const ids = new Set(manifest.tenants.map((t) => t.id));
    const shim = loadShim(join(cwd, 'k6', 'spike.ts'), { env: { TARGET: 'http://127.0.0.1:8080' } });
    for (let i = 0; i < 200; i++) shim.call('traffic');
    for (const q of shim.requests) {
      const tenant = decodeURIComponent(/\/tenants\/([^/?]+)/.exec(q.url)?.[1] ?? '');
      expect(ids.has(tenant), q.url).toBe(true);
    }
  });

  it('exits 1 with the file and field for bad input', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'prodshape-k6-cli-bad-'));
    const scenario = join(FIXTURES, 'orders.yaml');
    const profile = join(FIXTURES, 'spike.yaml');
    const missing = await prodshape(['k6', '--scenario', scenario, '--profile', 'no-such-profile', '--out', 'x.ts'], cwd);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('--profile: no profile named "no-such-profile"');
    const ext = await prodshape(['k6', '--scenario', scenario, '--profile', profile, '--out', 'x.mjs'], cwd);
    expect(ext.code).toBe(1);
    expect(ext.stderr).toContain('name the script *.ts (TypeScript) or *.js (JavaScript), got "x.mjs"');
    const mismatch = await prodshape(['k6', '--scenario', scenario, '--profile', profile, '--out', 'x.ts', '--format', 'js'], cwd);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toContain('--format js writes a .js script, but --out is "x.ts"');
    const slo = await prodshape(['k6', '--scenario', scenario, '--profile', profile, '--out', 'x.ts', '--slo', 'p99<soon'], cwd);
    expect(slo.code).toBe(1);
    expect(slo.stderr).toMatch(/--slo: .*"p99<soon"/);
    const speed = await prodshape(['k6', '--scenario', scenario, '--profile', profile, '--out', 'x.ts', '--speed', '0'], cwd);
    expect(speed.code).toBe(1);
    expect(speed.stderr).toContain('--speed: expected a number > 0');
    const usage = await prodshape(['k6', '--scenario', scenario], cwd);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain('Missing required arguments: profile, out');
  });

  it('prodshape report --from-k6 imports several runners\' files and reports, with SLO exit codes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prodshape-k6-cli-imp-'));
    const t0 = Date.UTC(2025, 0, 6, 9, 0, 0);
    const runner = (offset: number): SimRequest[] => Array.from({ length: 300 }, (_, i) => ({
      sendMs: t0 + offset + i * 20, latencyMs: 5 + (i % 50), status: i % 100 === 0 ? 503 : 200,
      tags: { endpoint: i % 3 === 0 ? 'dashboard' : 'list-orders', tenant_class: 'rest', name: '/x' },
    }));
    writeK6File(join(dir, 'runner-1.json.gz'), ['not json at all', ...k6Lines(runner(0), [], { globalTags: { instance_id: '1' } })], true);
    writeK6File(join(dir, 'runner-2.json'), k6Lines(runner(10), [], { globalTags: { instance_id: '2' } }));
    const files = [join(dir, 'runner-1.json.gz'), join(dir, 'runner-2.json')];

    const ok = await prodshape(['report', '--from-k6', ...files, '--out', 'run', '--slo', 'p99<1s'], dir);
    expect(ok.stderr).toContain('warning: 1 malformed line skipped (first: ');
    expect(ok.stdout).toContain('imported 600 requests, 0 dropped iterations, 0 events from 2 runners into run');
    expect(ok.stdout).toMatch(/600 requests · 6 errors · 0 dropped/);
    expect(ok.code).toBe(0);
    for (const f of ['run.json', 'windows.ndjson', 'report.json', 'report.html']) expect(existsSync(join(dir, 'run', f)), f).toBe(true);

    // A failed SLO exits 2; --json keeps stdout for the report alone.
    const failed = await prodshape(['report', '--from-k6', ...files, '--out', 'run', '--slo', 'errors<0.1%', '--json'], dir);
    expect(failed.code).toBe(2);
    expect(failed.stderr).toContain('imported 600 requests');
    const report = JSON.parse(failed.stdout) as { summary: { requests: number }; slo: { spec: string; pass: boolean }[] };
    expect(report.summary.requests).toBe(600);
    expect(report.slo).toEqual([expect.objectContaining({ spec: 'errors<0.1%', pass: false })]);

    const noOut = await prodshape(['report', '--from-k6', files[0] ?? ''], dir);
    expect(noOut.code).toBe(1);
    expect(noOut.stderr).toContain('--out: name the run directory to create from the k6 results');
    const notK6 = await prodshape(['report', '--from-k6', join(dir, 'run', 'report.json'), '--out', 'other'], dir);
    expect(notK6.code).toBe(1);
    expect(notK6.stderr).toContain('no HTTP requests found');
  });
});
