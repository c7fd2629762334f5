/** The built CLI: `prodshape k6`, and the import behind `prodshape report --from-k6`. */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { k6Lines, writeK6File, type SimRequest } from './k6-results.js';
import { FIXTURES } from './profiles.js';

const exec = promisify(execFile);
const CLI = join(PACKAGE_ROOT, 'dist', 'cli', 'main.js');

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
  beforeAll(async () => {
    await exec('npm', ['run', '-s', 'build'], { cwd: PACKAGE_ROOT });
  }, 120_000);

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

  it('exits 1 with the file and field for bad input', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'prodshape-k6-cli-bad-'));
    const scenario = join(FIXTURES, 'orders.yaml');
    const profile = join(FIXTURES, 'spike.yaml');
    const missing = await prodshape(['k6', '--scenario', scenario, '--profile', 'no-such-profile', '--out', 'x.ts'], cwd);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('--profile: no profile named "no-such-profile"');
    const js = await prodshape(['k6', '--scenario', scenario, '--profile', profile, '--out', 'x.js'], cwd);
    expect(js.code).toBe(1);
    expect(js.stderr).toContain('the script is TypeScript: name it *.ts');
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

  it('imports k6 results and writes the report (the --from-k6 path of prodshape report)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prodshape-k6-cli-imp-'));
    const t0 = Date.UTC(2025, 0, 6, 9, 0, 0);
    const reqs: SimRequest[] = Array.from({ length: 600 }, (_, i) => ({
      sendMs: t0 + i * 10, latencyMs: 5 + (i % 50), status: i % 100 === 0 ? 503 : 200,
      tags: { endpoint: i % 3 === 0 ? 'dashboard' : 'list-orders', tenant_class: 'rest', name: '/x' },
    }));
    writeK6File(join(dir, 'results.json.gz'), ['not json at all', ...k6Lines(reqs)], true);
    const code = join(dir, 'run.mjs');
    // Until `prodshape report` takes --from-k6, the built CLI's function is called directly.
    const script = `import { reportFromK6 } from ${JSON.stringify(join(PACKAGE_ROOT, 'dist', 'cli', 'k6.js'))};
process.exitCode = await reportFromK6([${JSON.stringify(join(dir, 'results.json.gz'))}], ${JSON.stringify(join(dir, 'run'))});`;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(code, script);
    const r = await exec(process.execPath, [code], { cwd: dir });
    expect(r.stderr).toContain('warning: 1 malformed line skipped');
    expect(r.stdout).toContain('imported 600 requests, 0 dropped iterations, 0 events from 1 file into run');
    expect(r.stdout).toContain('requests 600  errors 6');
    expect(existsSync(join(dir, 'run', 'report.json'))).toBe(true);
  });
});
