/**
 * The built CLI end to end: `prodshape report DIR` (files written, exit 0 / 2
 * on a failed SLO / 1 on bad input, 80-column output without colours when not
 * a TTY, --json, --junit) and `prodshape compare A B`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { renderTerminal } from '../../src/report/terminal.js';
import { analyzeRunDir } from '../../src/analyze/index.js';
import { reportSchemaErrors } from '../helpers/schema.js';
import { removeSynthRuns, synthRun, zipfTenants } from '../analyze/synth.js';
import { ensureBuilt } from '../helpers/cli.js';
import { richRun } from './fixture.js';

const run = (args: string[]): { code: number | null; stdout: string; stderr: string } => {
  const r = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'dist', 'cli', 'main.js'), ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: undefined } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

const eps = [{ name: 'list-orders', weight: 6 }, { name: 'dashboard', weight: 3 }];
let before: string;
let after: string;
const tmp = mkdtempSync(join(tmpdir(), 'prodshape-cli-'));

beforeAll(() => {
  ensureBuilt();
  const tenants = zipfTenants(200, 50_000, 0);
  before = synthRun({ seed: 1, durationS: 30, rate: () => 150, endpoints: eps, tenants, serviceMs: (_q, rng) => 5 + rng() * 5, slo: ['p99<100ms'] });
  // The release made dashboard 4x slower and big tenants' list-orders slow.
  after = synthRun({
    seed: 2, durationS: 30, rate: () => 150, endpoints: eps, tenants, slo: ['p99<100ms'],
    serviceMs: (q, rng) => (q.endpoint === 'dashboard' ? 20 + rng() * 20 : q.tenant?.cls === 'top1' ? 150 : 5 + rng() * 5),
  });
}, 120_000);

afterAll(() => {
  removeSynthRuns();
  rmSync(tmp, { recursive: true, force: true });
});

describe('prodshape report DIR', () => {
  it('re-analyses, writes report.json and report.html, prints an 80-column summary without colours, exits 0', () => {
    const r = run(['report', before]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^prodshape report: /);
    expect(r.stdout).toMatch(/PASS: all 1 SLO met; no breaks found\./);
    // eslint-disable-next-line no-control-regex
    expect(r.stdout).not.toMatch(/\u001b\[/);
    for (const line of r.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    const report = JSON.parse(readFileSync(join(before, 'report.json'), 'utf8')) as unknown;
    expect(reportSchemaErrors(report)).toEqual([]);
    expect(readFileSync(join(before, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/);
  });

  it('a run whose profile has a clock: the terminal and report.json name it beside the seconds (schema-valid)', () => {
    const dir = richRun(); // 45 minutes standing for 08:30–10:00, played at --speed 30 in 90 s; a deploy at 15 s
    const r = run(['report', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(2); // one SLO fails (the fixture's)
    for (const line of r.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(r.stdout).toMatch(/^90 s \(08:30–10:00\) · /m);
    // 15 s of 30 (08:30–09:00) is 08:45: the cold-cache break, its window's end, the sentences.
    expect(r.stdout).toMatch(/cold-cache · \S+ · at 15 s \(08:45\) to \d+ s \(08:\d\d\)/);
    expect(r.stdout).toMatch(/After the deploy at 15 s \(08:45\)/);
    expect(r.stdout).toMatch(/saturation · .* at \d+ s \(09:\d\d\) until \d+ s \(09:\d\d\)/);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Record<string, unknown> & {
      breaks: { kind: string; t_s: number | null; clock?: string; evidence: Record<string, unknown> }[];
      events: { t_s: number; clock?: string }[]; timeline: { t_s: number; clock?: string }[];
    };
    expect(reportSchemaErrors(report)).toEqual([]);
    expect(report.profile_clock).toBe('08:30–10:00');
    expect(report.events[0]).toMatchObject({ t_s: 15, clock: '08:45' });
    expect(report.timeline[0]?.clock).toBe('08:30');
    expect(report.timeline[60]).toMatchObject({ t_s: 60, clock: '09:30' });
    for (const b of report.breaks) expect(b.clock === undefined).toBe(b.t_s === null);
    const cold = report.breaks.find((b) => b.kind === 'cold-cache');
    expect(cold?.evidence).toMatchObject({ start_s: 15, start_clock: '08:45' });
    expect(cold?.evidence.end_clock).toMatch(/^08:\d\d$/);
    // A run without a clock gets none of these fields.
    const plain = JSON.parse(readFileSync(join(before, 'report.json'), 'utf8')) as Record<string, unknown>;
    expect(plain.profile_clock).toBeUndefined();
    expect(JSON.stringify(plain)).not.toMatch(/"clock"/);
  });

  it('exits 2 when an SLO fails and writes JUnit with --junit', () => {
    const junit = join(tmp, 'ci', 'junit.xml');
    const r = run(['report', after, '--slo', 'dashboard:p95<20ms', '--junit', junit]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/FAIL: /);
    expect(r.stdout).toMatch(/FAIL dashboard:p95<20ms/);
    expect(r.stdout).toMatch(/data-skew · list-orders/);
    expect(readFileSync(junit, 'utf8')).toMatch(/<failure message="dashboard: p95 /);
  });

  it('--json prints report.json', () => {
    const r = run(['report', before, '--json', '--no-html']);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.stdout) as { version: number; verdict: { status: string } };
    expect(parsed).toMatchObject({ version: 1, verdict: { status: 'pass' } });
  });

  it('exits 1 with a clear message for a bad SLO or a directory that is not a run', () => {
    const bad = run(['report', before, '--slo', 'p99>100ms']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--slo: "p99>100ms": expected \[endpoint:\]metric<threshold/);
    const unknown = run(['report', before, '--slo', 'checkout:p99<1s']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no endpoint "checkout" \(it has: list-orders, dashboard\)/);
    const notRun = run(['report', tmp]);
    expect(notRun.code).toBe(1);
    expect(notRun.stderr).toMatch(/not a prodshape run directory \(no run\.json\)/);
    expect(notRun.stderr).toMatch(/hint: /);
  });
});

describe('prodshape compare A B', () => {
  it('shows what got slower and the new breaks; --fail-on-regression exits 2', () => {
    const r = run(['compare', before, after]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/B is worse than A: slower: .*dashboard p99/s);
    expect(r.stdout).toMatch(/dashboard .* slower/);
    expect(r.stdout).toMatch(/New breaks in B \(1\)/);
    expect(r.stdout).toMatch(/list-orders slow for the biggest tenants/);
    for (const line of r.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(run(['compare', before, after, '--fail-on-regression']).code).toBe(2);
    expect(run(['compare', before, before, '--fail-on-regression']).code).toBe(0);
  });

  it('--json and --out give the comparison as data; a report.json alone is accepted', () => {
    const outFile = join(tmp, 'cmp.json');
    const r = run(['compare', join(before, 'report.json'), after, '--json', '--out', outFile]);
    expect(r.code).toBe(0);
    const cmp = JSON.parse(r.stdout) as { regressed: boolean; endpoints: { name: string; verdict: string; p99: { a: number; b: number } }[] };
    expect(cmp.regressed).toBe(true);
    const dash = cmp.endpoints.find((e) => e.name === 'dashboard')!;
    expect(dash.verdict).toBe('slower');
    expect(dash.p99.b).toBeGreaterThan(3 * dash.p99.a);
    expect(existsSync(outFile)).toBe(true);
    expect(run(['compare', before, join(tmp, 'nope')]).code).toBe(1);
  });
});

describe('terminal rendering', () => {
  it('uses ANSI colours only when asked', async () => {
    const r = await analyzeRunDir(after);
    // eslint-disable-next-line no-control-regex
    expect(renderTerminal(r, { color: true })).toMatch(/\u001b\[1m/);
    // eslint-disable-next-line no-control-regex
    expect(renderTerminal(r, { color: false })).not.toMatch(/\u001b\[/);
  });

  it('keeps long endpoint names that share a prefix apart in the 80-column table', async () => {
    const r = await analyzeRunDir(after);
    const long = ['get-tenants-tenant-orders', 'get-tenants-tenant-dashboard'];
    const renamed = { ...r, endpoints: r.endpoints.map((e, i) => ({ ...e, name: long[i % 2]! })) };
    const rows = renderTerminal(renamed, { width: 80 }).split('\n').filter((l) => l.startsWith('get-'));
    expect(rows).toHaveLength(2);
    const shown = rows.map((l) => l.split(' ')[0]!);
    expect(new Set(shown).size).toBe(2);
    expect(shown.find((n) => n.endsWith('-orders'))).toBeDefined();
    for (const l of rows) expect(l.length).toBeLessThanOrEqual(80);
  });
});
