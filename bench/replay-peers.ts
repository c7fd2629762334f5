/**
 * The fixed-rate peers of bench/replay.ts's CPU section, and how evenly each
 * tool spreads a rate over time.
 *
 * - autocannon `-R` limits each connection to its share of the rate per
 *   second: it sends that share closed-loop as fast as the target answers,
 *   then waits for the next second (a 1-s interval resets the count). So at
 *   10,000/s it sends bursts, not a schedule; the counting server below
 *   (`startCountingServer`) shows it.
 * - k6's `constant-arrival-rate` executor starts iterations on a schedule
 *   (an open model, as prodshape): the paced peer.
 *
 * A tool's start-up and shut-down cost CPU whatever the rate: each is
 * measured on a run of a few requests and subtracted, for every tool alike.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, stopChild, waitForPort } from './replay-servers.js';

/** CPU seconds (user + system) a command used, and its stdout. */
export type CpuOf = (cmd: string, args: string[]) => Promise<{ cpuS: number; stdout: string }>;

/** What one fixed-rate run of a peer cost: CPU seconds with its start-up and requests answered. */
export interface PeerCpu {
  cpuS: number;
  requests: number;
  /** CPU seconds of the same tool on a run of a few requests (`fewRequests`): its fixed cost. */
  baseCpuS: number;
  fewRequests: number;
}

/** CPU per request without the fixed cost, µs. */
export const usPerRequest = (x: PeerCpu): number => ((x.cpuS - x.baseCpuS) * 1e6) / Math.max(1, x.requests - x.fewRequests);

/** autocannon `-R rate` for `seconds` with `connections`, and its fixed cost (`-a connections`: one request per connection). */
export const autocannonCpu = async (cpuOf: CpuOf, bin: string, url: string, rate: number, seconds: number, connections: number): Promise<PeerCpu> => {
  const total = (stdout: string): number => (JSON.parse(stdout) as { requests: { total: number } }).requests.total;
  const base = await cpuOf(bin, ['-c', String(connections), '-a', String(connections), '--json', url]);
  const run = await cpuOf(bin, ['-c', String(connections), '-d', String(seconds), '-R', String(rate), '--json', url]);
  return { cpuS: run.cpuS, requests: total(run.stdout), baseCpuS: base.cpuS, fewRequests: total(base.stdout) };
};

/** The k6 script: GET `URL` on k6's open-model executor, RATE a second for DURATION, VUS virtual users (one connection each). */
const K6_SCRIPT = `import http from 'k6/http';
export const options = {
  discardResponseBodies: true,
  scenarios: { paced: { executor: 'constant-arrival-rate', rate: Number(__ENV.RATE), timeUnit: '1s', duration: __ENV.DURATION, preAllocatedVUs: Number(__ENV.VUS), maxVUs: Number(__ENV.VUS) } },
};
export default function () { http.get(__ENV.URL); }
`;

/** What a k6 run sent, from its `--summary-export`. */
interface K6Summary { requests: number; dropped: number }

/** One k6 run of the paced script with `env` (URL, RATE, DURATION, VUS): its CPU and what it sent. */
export const k6Paced = async (cpuOf: CpuOf, bin: string, dir: string, env: Record<string, string>): Promise<{ cpuS: number } & K6Summary> => {
  const script = join(dir, 'k6-paced.js');
  writeFileSync(script, K6_SCRIPT);
  const summary = join(dir, `k6-summary-${env.RATE}.json`);
  const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  const { cpuS } = await cpuOf(bin, ['run', '--quiet', '--no-thresholds', '--summary-export', summary, ...envArgs, script]);
  const m = (JSON.parse(readFileSync(summary, 'utf8')) as { metrics: Record<string, { count?: number } | undefined> }).metrics;
  return { cpuS, requests: m.http_reqs?.count ?? 0, dropped: m.dropped_iterations?.count ?? 0 };
};

/** k6 `constant-arrival-rate` at `rate` for `seconds` with `vus` virtual users, and its fixed cost (1/s for 1 s). */
export const k6Cpu = async (cpuOf: CpuOf, bin: string, dir: string, url: string, rate: number, seconds: number, vus: number): Promise<PeerCpu & { dropped: number }> => {
  const base = await k6Paced(cpuOf, bin, dir, { URL: url, RATE: '1', DURATION: '1s', VUS: '1' });
  const run = await k6Paced(cpuOf, bin, dir, { URL: url, RATE: String(rate), DURATION: `${seconds}s`, VUS: String(vus) });
  return { cpuS: run.cpuS, requests: run.requests, dropped: run.dropped, baseCpuS: base.cpuS, fewRequests: base.requests };
};

/**
 * A node:http server (its own process) that counts the requests arriving in
 * each SLICE_MS slice of its clock; `GET /__slices` answers the counts from
 * the first request's slice to the last one's, and starts over.
 */
const COUNTING_SERVER = `
const http = require('node:http');
const SLICE_MS = Number(process.argv[2]);
let counts = new Map();
const s = http.createServer((req, res) => {
  if (req.url === '/__slices') {
    const keys = [...counts.keys()];
    const lo = Math.min(...keys), hi = Math.max(...keys);
    const out = keys.length === 0 ? [] : Array.from({ length: hi - lo + 1 }, (_, i) => counts.get(lo + i) ?? 0);
    counts = new Map();
    return res.end(JSON.stringify(out));
  }
  const k = Math.floor(performance.now() / SLICE_MS);
  counts.set(k, (counts.get(k) ?? 0) + 1);
  res.end('ok');
});
s.keepAliveTimeout = 120000;
s.listen(Number(process.argv[1]), '127.0.0.1');
`;

/** How the requests of one run were spread over time, at the counting server. */
export interface SendPattern {
  /** Slices (SLICE_MS each) from the first request's to the last one's. */
  slices: number;
  /** Share of those slices in which no request arrived. */
  emptyShare: number;
  /** Requests in the busiest slice, and the mean per slice. */
  busiest: number;
  mean: number;
  /** Standard deviation of the per-slice counts over their mean (Poisson at 10,000/s in 10-ms slices: about 0.1). */
  cv: number;
}

export const SLICE_MS = 10;

/** The counting server: its URL, the pattern of the requests since the last call, and a stop. */
export const startCountingServer = async (): Promise<{ url: string; pattern: () => Promise<SendPattern>; stop: () => Promise<void> }> => {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['-e', COUNTING_SERVER, String(port), String(SLICE_MS)], { stdio: 'inherit' });
  const url = `http://127.0.0.1:${port}`;
  await waitForPort(port);
  const pattern = async (): Promise<SendPattern> => {
    const counts = (await (await fetch(`${url}/__slices`)).json()) as number[];
    const n = counts.length;
    const mean = counts.reduce((a, c) => a + c, 0) / Math.max(1, n);
    const sd = Math.sqrt(counts.reduce((a, c) => a + (c - mean) ** 2, 0) / Math.max(1, n));
    return { slices: n, emptyShare: counts.filter((c) => c === 0).length / Math.max(1, n), busiest: Math.max(0, ...counts), mean, cv: mean > 0 ? sd / mean : NaN };
  };
  await pattern(); // the readiness probes are not a run's
  return { url, pattern, stop: () => stopChild(child) };
};

/** One line of the pattern table. */
export const patternRow = (tool: string, p: SendPattern): string =>
  `| ${tool} | ${p.slices} | ${(100 * p.emptyShare).toFixed(1)}% | ${p.busiest} | ${p.mean.toFixed(1)} | ${p.cv.toFixed(2)} |`;
