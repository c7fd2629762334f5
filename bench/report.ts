/**
 * Benchmark of the analysis and renderings on long runs.
 *
 *   npx tsx bench/report.ts [minutes=60] [rps=200]
 *
 * Simulates a run (test/analyze/synth.ts: Poisson arrivals, 5 endpoints,
 * Zipf tenants in 4 size classes, a pool that saturates near the end of a
 * ramp, a deploy) and times: loading + analysing (analyzeRunDir), rendering
 * report.html, and `prodshape report DIR` through the built CLI in its own
 * process (when dist/ exists: wall, CPU, peak RSS). Prints sizes too.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { analyzeRunDir } from '../src/analyze/index.js';
import { renderHtml } from '../src/report/html.js';
import { PACKAGE_ROOT } from '../src/core/paths.js';
import { ramp, synthRun, zipfTenants } from '../test/analyze/synth.js';

const minutes = Number(process.argv[2] ?? 60);
const rps = Number(process.argv[3] ?? 200);
const durationS = minutes * 60;
const peakRss = (): number => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;

let t = performance.now();
const dir = synthRun({
  seed: 1,
  durationS,
  rate: ramp(rps * 0.5, rps * 1.6, durationS),
  endpoints: ['list-orders', 'dashboard', 'search', 'order', 'invoices'].map((name, i) => ({ name, weight: 5 - i })),
  tenants: zipfTenants(2000, 1_000_000, 20),
  slots: 8,
  serviceMs: (q, rng) => (q.tenant?.cls === 'top1' && q.endpoint === 'dashboard' ? 40 : 20) * (0.5 + rng()),
  // Like the engine's windows: lag and service histograms too (three histograms per window to decode).
  lagMs: (_q, rng) => rng() * rng() * 2,
  events: [{ t_s: durationS / 3, action: 'deploy' }],
  tenantMinRequests: 20,
});
const simMs = performance.now() - t;
const windows = readFileSync(join(dir, 'windows.ndjson'), 'utf8').split('\n').filter((l) => l !== '').length;
const windowsMb = statSync(join(dir, 'windows.ndjson')).size / 1e6;

t = performance.now();
const report = await analyzeRunDir(dir, { slo: ['p99<500ms'] });
const analyzeMs = performance.now() - t;
t = performance.now();
const html = renderHtml(report);
const htmlMs = performance.now() - t;
const jsonMb = JSON.stringify(report).length / 1e6;

// The built CLI in its own process: wall time, CPU time and peak RSS of `prodshape report DIR` alone.
let cli: { wall_s: number; cpu_s: number; peak_rss_mb: number } | null = null;
const main = join(PACKAGE_ROOT, 'dist', 'cli', 'main.js');
if (existsSync(main)) {
  const probe = `process.on('exit', () => { const u = process.cpuUsage(); process.stderr.write(JSON.stringify({ cpu: (u.user + u.system) / 1e6, hwm: Number(/VmHWM:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]) / 1024 })); });`
    + `process.argv.splice(1, 0, ${JSON.stringify(main)}); import(${JSON.stringify(pathToFileURL(main).href)});`;
  t = performance.now();
  const r = spawnSync(process.execPath, ['-e', probe, 'report', dir], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const m = JSON.parse(/\{"cpu".*\}$/.exec(r.stderr)?.[0] ?? '{"cpu":0,"hwm":0}') as { cpu: number; hwm: number };
  cli = { wall_s: +((performance.now() - t) / 1000).toFixed(2), cpu_s: +m.cpu.toFixed(2), peak_rss_mb: Math.round(m.hwm) };
}

console.log(JSON.stringify({
  minutes, offered_rps_range: [rps * 0.5, rps * 1.6], requests: report.summary.requests, windows, windows_mb: +windowsMb.toFixed(1),
  simulate_s: +(simMs / 1000).toFixed(1), analyze_s: +(analyzeMs / 1000).toFixed(2), html_ms: Math.round(htmlMs),
  cli_report: cli,
  report_json_mb: +jsonMb.toFixed(2), report_html_mb: +(html.length / 1e6).toFixed(2), bench_process_peak_rss_mb: Math.round(peakRss()),
  breaks: report.breaks.map((b) => b.kind),
}, null, 2));
rmSync(dir, { recursive: true, force: true });
