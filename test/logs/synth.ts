/**
 * Synthetic access logs with known truth: arrivals from a rate curve
 * (Lewis–Shedler thinning, docs/algorithms.md §3), endpoints with known weights, tenant
 * ids with Zipf popularity, written in any supported format and, like real
 * logs, slightly out of order (lines are written at completion time).
 */
import { createRng, randExp, shuffleInPlace, type Rng } from '../../src/core/rng.js';

export interface SynthEndpoint { method: string; template: string; weight: number; status?: number }

export interface SynthOptions {
  /** Requests/s at t ms after the start. */
  rate: (tMs: number) => number;
  /** An upper bound of `rate`. */
  maxRps: number;
  durationMs: number;
  /** Epoch ms of the start (default 2024-03-04T00:00:00Z, a Monday). */
  startMs?: number;
  endpoints: SynthEndpoint[];
  tenants?: number;
  zipfS?: number;
  seed?: number;
  /** Largest request duration, ms: lines are written in completion order (default 0: in order). */
  maxDurationMs?: number;
}

export interface SynthRequest { timeMs: number; method: string; path: string; status: number; endpoint: number; tenantRank: number | null }

const zipfSampler = (n: number, s: number, rng: Rng): (() => number) => {
  const cdf: number[] = [];
  let c = 0;
  for (let k = 1; k <= n; k++) cdf.push((c += Math.pow(k, -s)));
  return () => {
    const u = rng() * c;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
};

/** Requests in time order (ms precision). */
export const synthRequests = (o: SynthOptions): SynthRequest[] => {
  const rng = createRng(o.seed ?? 1, 'synth');
  const start = o.startMs ?? Date.UTC(2024, 2, 4);
  const totalW = o.endpoints.reduce((s, e) => s + e.weight, 0);
  const nTenants = o.tenants ?? 100;
  const pickTenant = zipfSampler(nTenants, o.zipfS ?? 1, rng);
  // Tenant ids are not their ranks: a shuffled id per rank, as in a real database.
  const ids = shuffleInPlace(rng, Array.from({ length: nTenants }, (_, i) => 1000 + i * 7));
  const out: SynthRequest[] = [];
  for (let t = 0; ; ) {
    t += randExp(rng, 1000 / o.maxRps);
    if (t >= o.durationMs) break;
    if (rng() * o.maxRps > o.rate(t)) continue;
    let u = rng() * totalW;
    let ei = 0;
    while (ei < o.endpoints.length - 1 && (u -= (o.endpoints[ei] as SynthEndpoint).weight) > 0) ei++;
    const ep = o.endpoints[ei] as SynthEndpoint;
    let tenantRank: number | null = null;
    const path = ep.template
      .replace('{tenant}', () => String(ids[(tenantRank = pickTenant())]))
      .replace(/\{[a-z_]+\.id\}/g, () => String(1 + Math.floor(rng() * 100_000)));
    out.push({ timeMs: start + t, method: ep.method, path, status: ep.status ?? 200, endpoint: ei, tenantRank });
  }
  return out;
};

const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `04/Mar/2024:09:15:02 +0100` for an instant written in the given offset. */
export const clfTime = (ms: number, offsetMin = 0): string => {
  const d = new Date(ms + offsetMin * 60_000);
  const p = (n: number): string => String(n).padStart(2, '0');
  const a = Math.abs(offsetMin);
  return `${p(d.getUTCDate())}/${MON[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ` +
    `${offsetMin < 0 ? '-' : '+'}${p(Math.floor(a / 60))}${p(a % 60)}`;
};

export type SynthFormat = 'combined' | 'common' | 'nginx-json' | 'csv';

/** One line in a format (CLF times have whole seconds; JSON and CSV keep milliseconds). */
export const formatLine = (r: SynthRequest, format: SynthFormat, i: number, offsetMin = 0): string => {
  const ip = `10.0.${(i >> 8) & 255}.${i & 255}`;
  const bytes = 200 + (i % 5000);
  if (format === 'combined' || format === 'common') {
    const base = `${ip} - - [${clfTime(r.timeMs, offsetMin)}] "${r.method} ${r.path} HTTP/1.1" ${r.status} ${bytes}`;
    return format === 'common' ? base : `${base} "https://app.example.com/" "Mozilla/5.0 (X11; Linux x86_64) synth/${i % 7}"`;
  }
  if (format === 'nginx-json') {
    const [uri, args] = r.path.split('?');
    return JSON.stringify({
      time_iso8601: new Date(r.timeMs).toISOString(), remote_addr: ip, request_method: r.method, request_uri: r.path,
      uri, args: args ?? '', status: String(r.status), body_bytes_sent: bytes, request_time: '0.012', http_user_agent: 'synth',
    });
  }
  return `${new Date(r.timeMs).toISOString()},${ip},${r.method},"${r.path}",${r.status},${bytes}`;
};

/** The header line of the CSV format above. */
export const CSV_HEADER = 'timestamp,client,verb,url,code,size';

/** Lines in completion order: each request finishes up to `maxDurationMs` after it starts (seeded). */
export const synthLines = (reqs: SynthRequest[], format: SynthFormat, opts: { maxDurationMs?: number; seed?: number; offsetMin?: number } = {}): string[] => {
  const rng = createRng(opts.seed ?? 1, 'durations');
  const done = reqs.map((r, i) => ({ r, i, end: r.timeMs + rng() * (opts.maxDurationMs ?? 0) }));
  done.sort((a, b) => a.end - b.end);
  const lines = done.map(({ r, i }) => formatLine(r, format, i, opts.offsetMin));
  return format === 'csv' ? [CSV_HEADER, ...lines] : lines;
};
