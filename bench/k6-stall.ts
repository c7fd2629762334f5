/**
 * The stall server (frozen 1 s every 5 s) under the same open-model load from
 * prodshape's engine and from k6 running the exported script, next to the
 * truth. Run from the package root after `npm run build`:
 *
 *   npm run build && npx tsx bench/k6-stall.ts [rate] [seconds]   (default 200/s for 20 s)
 *
 * One run, in sequence against one server: `prodshape replay`; k6 (v0.47.0 via
 * the shared get-k6) with the export's default VUs; k6 with VUs capped at 40
 * (`--max-vus 40`, fewer than a stall needs). Each k6 run is read back with
 * `report --from-k6`; k6's own end-of-test p99 is printed beside it.
 *
 * The truth is the stall's schedule: a user arriving at a uniformly random
 * moment waits for the end of the frozen second with probability 1/5, so
 * P(latency > x) = 0.2 · (1 − x / 1 s): p99 = 950 ms, max = 1 s (plus the
 * server's ~1 ms answer).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBounded, runCli } from '../test/helpers/cli.js';
import { k6Binary } from '../test/helpers/shared.js';
import { startNodeServer } from './replay-servers.js';

const RATE = Number(process.argv[2] ?? 200);
const SECONDS = Number(process.argv[3] ?? 20);
const work = mkdtempSync(join(tmpdir(), 'ps-bench-k6-stall-'));
const scenario = join(work, 'bench.yaml');
const profile = join(work, 'flat.yaml');
writeFileSync(scenario, 'name: bench\nendpoints:\n  - { name: root, path: / }\n');
writeFileSync(profile, `name: flat\nstages:\n  - { duration: ${SECONDS}s, rate: ${RATE} }\n`);

interface Row { tool: string; p99: number | null; max: number | null; requests: number; dropped: number; k6P99?: number }

const reportRow = (tool: string, dir: string): Row => {
  const r = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { summary: { p99_ms: number | null; max_ms: number | null; requests: number; dropped?: number } };
  return { tool, p99: r.summary.p99_ms, max: r.summary.max_ms, requests: r.summary.requests, dropped: r.summary.dropped ?? 0 };
};

const must = (what: string, r: { code: number | null; stderr: string }, ok: number[] = [0]): void => {
  if (!ok.includes(r.code ?? -1)) throw new Error(`${what} exited ${String(r.code)}: ${r.stderr}`);
};

const main = async (): Promise<void> => {
  const k6 = k6Binary();
  if (k6.path === null) throw new Error(k6.skip);
  const loadavg = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`k6 stall benchmark: ${new Date().toISOString()}  load average ${loadavg}  ${RATE}/s for ${SECONDS} s`);
  const stall = await startNodeServer(true);
  const rows: Row[] = [];
  try {
    const ps = join(work, 'prodshape');
    must('replay', await runCli(['replay', '--scenario', scenario, '--profile', profile, '--target', stall.url, '--out', ps, '--seed', '1'], { timeoutMs: 120_000 }));
    rows.push(reportRow('prodshape replay (Poisson, latency from the intended send time)', ps));

    for (const [label, extra] of [['k6, default VUs', []], ['k6, --max-vus 40', ['--max-vus', '40']]] as const) {
      const tag = extra.length === 0 ? 'default' : 'capped';
      const script = join(work, `${tag}.js`);
      must('prodshape k6', await runCli(['k6', '--scenario', scenario, '--profile', profile, '--out', script, ...extra]));
      const results = join(work, `${tag}.json.gz`);
      const summary = join(work, `${tag}-summary.json`);
      const run = await runBounded(k6.path, ['run', '--quiet', '--no-usage-report', '-e', `TARGET=${stall.url}`, '--out', `json=${results}`, '--summary-export', summary, script], { timeoutMs: 180_000 });
      must('k6', run, [0, 99]);
      const dir = join(work, `${tag}-run`);
      must('report --from-k6', await runCli(['report', '--from-k6', results, '--out', dir], { timeoutMs: 120_000 }), [0, 2]);
      const k6Summary = JSON.parse(readFileSync(summary, 'utf8')) as { metrics: Record<string, Record<string, number>> };
      const vus = k6Summary.metrics.vus_max?.max ?? NaN;
      rows.push({ ...reportRow(`${label} (${vus} VUs; latency from send)`, dir), k6P99: k6Summary.metrics['http_req_duration{endpoint:root}']?.['p(99)'] ?? NaN });
    }
  } finally {
    await stall.stop();
  }
  const ms = (x: number | null | undefined): string => (x === null || x === undefined || Number.isNaN(x) ? '-' : `${Math.round(x).toLocaleString('en-US')} ms`);
  console.log('\n| who | p99 | max | requests | dropped | k6\'s own p99 |\n|---|---|---|---|---|---|');
  console.log(`| truth (the stall schedule) | 950 ms | 1,000 ms | ${RATE * SECONDS} planned | - | - |`);
  for (const r of rows) console.log(`| ${r.tool} | ${ms(r.p99)} | ${ms(r.max)} | ${r.requests} | ${r.dropped} | ${ms(r.k6P99)} |`);
};

await main();
