/**
 * Access-log benchmarks: parse throughput per format (plain and gzip), the
 * replay stream (scan + sorted PlannedRequests, no HTTP), `fit`, and the peak
 * RSS while streaming a big gzip log. Run from the package root:
 *
 *   npx tsx bench/logs.ts [LINES]        (default 1,000,000 combined lines; JSON and CSV get a third)
 *
 * Logs are synthesised into a temporary directory (deleted at the end). Each
 * measurement runs in this process, one after the other; the numbers depend on
 * the machine and on what else runs on it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fitLog } from '../src/traffic/fit/index.js';
import { openLog } from '../src/traffic/logs/read.js';
import { openLogReplay } from '../src/traffic/logs/replay-source.js';
import { synthLines, synthRequests, type SynthFormat } from '../test/logs/synth.js';

/** Child mode (`--child stream|fit FILE`): one measurement in a fresh process, so its peak RSS is its own. */
const child = async (what: string, file: string): Promise<void> => {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const t = performance.now();
  let out: Record<string, unknown>;
  if (what === 'stream') {
    const src = await openLogReplay(file, { speed: 1000, rateScale: 3, filter: { allowWrites: true } });
    const scanMs = performance.now() - t;
    let n = 0;
    for await (const b of src.batches()) n += b.length;
    out = { n, ms: performance.now() - t, scanMs, held: src.stats.reorder.peakHeld };
  } else {
    const f = await fitLog(file);
    out = { n: f.requests, ms: performance.now() - t, stages: f.stages.length, s: f.zipf?.fit.s ?? null };
  }
  clearInterval(timer);
  console.log(JSON.stringify({ ...out, rss: Math.max(peak, process.memoryUsage().rss) }));
};
if (process.argv[2] === '--child') {
  await child(process.argv[3] ?? '', process.argv[4] ?? '');
  process.exit(0);
}

const inChild = (what: string, file: string): Record<string, number> =>
  JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', process.argv[1] as string, '--child', what, file], { encoding: 'utf8' })) as Record<string, number>;

const lines = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'prodshape-bench-logs-'));

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
const rate = (n: number, ms: number): string => `${Math.round(n / (ms / 1000)).toLocaleString('en-US')}/s`;

const write = (name: string, format: SynthFormat, n: number, gzip: boolean): string => {
  // ~n requests: 4 hours at n / 14 400 req/s, lines out of order by up to 5 s, tenants with Zipf popularity.
  const rps = n / 14_400;
  const reqs = synthRequests({
    rate: (t) => rps * (0.6 + 0.8 * Math.sin((Math.PI * t) / 14_400_000)), maxRps: rps * 1.4, durationMs: 14_400_000,
    endpoints: [
      { method: 'GET', template: '/tenants/{tenant}/orders', weight: 6 },
      { method: 'GET', template: '/tenants/{tenant}/orders/{orders.id}', weight: 3 },
      { method: 'POST', template: '/tenants/{tenant}/orders', weight: 1 },
    ],
    tenants: 5000, zipfS: 1.1, seed: 1,
  });
  const text = synthLines(reqs, format, { maxDurationMs: 5000 }).join('\n');
  const file = join(dir, name);
  writeFileSync(file, gzip ? gzipSync(text, { level: 6 }) : text);
  return file;
};

const parse = async (file: string): Promise<{ n: number; ms: number }> => {
  const t = performance.now();
  const r = await openLog(file);
  let n = 0;
  for await (const b of r.batches()) n += b.length;
  return { n, ms: performance.now() - t };
};

const rows: string[][] = [['what', 'file', 'records', 'time', 'rate']];
const files: [string, SynthFormat, number, boolean][] = [
  ['combined.log', 'combined', lines, false],
  ['combined.log.gz', 'combined', lines, true],
  ['nginx.jsonl', 'nginx-json', Math.round(lines / 3), false],
  ['access.csv', 'csv', Math.round(lines / 3), false],
];
try {
  for (const [name, format, n, gz] of files) {
    const file = write(name, format, n, gz);
    const { n: got, ms } = await parse(file);
    rows.push([`parse ${format}${gz ? ' (gzip)' : ''}`, mb(statSync(file).size), got.toLocaleString('en-US'), `${(ms / 1000).toFixed(2)} s`, rate(got, ms)]);
  }
  const gzFile = join(dir, 'combined.log.gz');
  const st = inChild('stream', gzFile);
  rows.push(['replay stream x3 (scan + stream)', mb(statSync(gzFile).size), st.n!.toLocaleString('en-US'),
    `${(st.ms! / 1000).toFixed(2)} s (scan ${(st.scanMs! / 1000).toFixed(2)} s)`, rate(st.n!, st.ms! - st.scanMs!)]);
  rows.push(['  peak RSS (own process)', '', '', mb(st.rss!), `reorder buffer peak ${st.held!.toLocaleString('en-US')} requests`]);
  const fit = inChild('fit', gzFile);
  rows.push(['fit', mb(statSync(gzFile).size), fit.n!.toLocaleString('en-US'), `${(fit.ms! / 1000).toFixed(2)} s`, rate(fit.n!, fit.ms!)]);
  rows.push(['  peak RSS (own process)', '', '', mb(fit.rss!), `${fit.stages} stages, zipf s = ${fit.s?.toFixed(3) ?? '-'}`]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
