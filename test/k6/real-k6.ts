/**
 * Running exported scripts on a real k6 (`k6Binary()` in test/helpers/shared.ts):
 * the k6 process, a loopback target that records what reached it, and k6's
 * `--out json` results read back as points.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { parseK6Line, type K6PointLine } from '../../src/k6/k6-json.js';
import { runBounded, type CliRun } from '../helpers/cli.js';

export interface K6Run extends CliRun { wallMs: number }

/** `k6 run ARGS…` (quiet, no usage report), bounded by `timeoutMs`; `wallMs`: how long it took. */
export const runK6 = async (bin: string, args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<K6Run> => {
  const t0 = Date.now();
  const r = await runBounded(bin, ['run', '--quiet', '--no-usage-report', ...args], { env: { ...env, K6_NO_COLOR: 'true' }, timeoutMs });
  return { ...r, wallMs: Date.now() - t0 };
};

/** A request as the target saw it: when it arrived (epoch ms) and what it asked for. */
export interface Hit { atMs: number; method: string; path: string }

export interface Target { url: string; hits: Hit[]; close: () => Promise<void> }

/** An HTTP server on 127.0.0.1 (port 0) answering 200 after `delayMs(path)` ms (default 0). */
export const startTarget = async (delayMs: (path: string) => number = () => 0): Promise<Target> => {
  const hits: Hit[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '';
    hits.push({ atMs: Date.now(), method: req.method ?? '', path });
    req.resume();
    const d = delayMs(path);
    if (d > 0) setTimeout(() => res.end('ok'), d);
    else res.end('ok');
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
};

/** Every sample point in a k6 `--out json` file (gzip or plain); throws on a line k6 would not write. */
export const readK6Points = (file: string): K6PointLine[] => {
  const raw = readFileSync(file);
  const text = (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString('utf8');
  const out: K6PointLine[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const p = parseK6Line(line);
    if ('error' in p) throw new Error(`${file}: ${p.error}: ${line}`);
    if (p.type === 'Point') out.push(p);
  }
  return out;
};

/** The traffic requests in k6's points: send time (end time − latency, epoch ms) and tags. */
export const trafficRequests = (points: K6PointLine[]): { sendMs: number; tags: Record<string, string> }[] =>
  points
    .filter((p) => p.metric === 'http_req_duration' && p.tags.scenario === 'traffic')
    .map((p) => ({ sendMs: p.timeMs - p.value, tags: p.tags }))
    .sort((a, b) => a.sendMs - b.sendMs);
