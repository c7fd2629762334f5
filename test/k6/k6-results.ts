/**
 * Writes k6 `--out json` results the way k6 does (grafana/k6 output/json and
 * lib/netext/httpext): a Metric line before each metric's first point; for
 * every HTTP request the nine samples k6 emits (http_reqs, http_req_duration,
 * blocked, connecting, tls_handshaking, sending, waiting, receiving,
 * http_req_failed), all stamped with the request's end time and the same tags;
 * iterations; RFC 3339 times with nanoseconds and the runner's zone offset.
 * Tests build results from known requests and check what the importer reads.
 */
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

export interface SimRequest {
  /** Epoch ms the request was written. */
  sendMs: number;
  latencyMs: number;
  status: number;
  tags: Record<string, string>;
  /** k6 error_code for status 0 (1050 timeout, 1212 refused, 1220 reset). */
  errorCode?: number;
}

export interface SimPoint { metric: string; timeMs: number; value: number; tags: Record<string, string> }

const METRIC_TYPES: Record<string, [string, string]> = {
  http_reqs: ['counter', 'default'],
  http_req_duration: ['trend', 'time'],
  http_req_blocked: ['trend', 'time'],
  http_req_connecting: ['trend', 'time'],
  http_req_tls_handshaking: ['trend', 'time'],
  http_req_sending: ['trend', 'time'],
  http_req_waiting: ['trend', 'time'],
  http_req_receiving: ['trend', 'time'],
  http_req_failed: ['rate', 'default'],
  iterations: ['counter', 'default'],
  iteration_duration: ['trend', 'time'],
  dropped_iterations: ['counter', 'default'],
  vus: ['gauge', 'default'],
  prodshape_meta: ['counter', 'default'],
  prodshape_tenant_rows: ['gauge', 'default'],
  checks: ['rate', 'default'],
};

/** RFC 3339 with nanoseconds, trailing zeros trimmed, in the given zone (minutes east of UTC), as Go prints it. */
export const rfc3339 = (epochMs: number, zoneMin = 0): string => {
  const whole = Math.floor(epochMs);
  const ns = Math.round((epochMs - whole) * 1e6) + (whole % 1000) * 1e6;
  const local = new Date(Math.floor(whole / 1000) * 1000 + zoneMin * 60_000);
  const base = local.toISOString().slice(0, 19);
  const frac = ns === 0 ? '' : `.${String(ns).padStart(9, '0').replace(/0+$/, '')}`;
  const sign = zoneMin < 0 ? '-' : '+';
  const z = Math.abs(zoneMin);
  const zone = zoneMin === 0 ? 'Z' : `${sign}${String(Math.floor(z / 60)).padStart(2, '0')}:${String(z % 60).padStart(2, '0')}`;
  return `${base}${frac}${zone}`;
};

export interface WriteOptions {
  /** `metric-first` is what current k6 writes; `type-first` the documentation's older example. */
  order?: 'metric-first' | 'type-first';
  zoneMin?: number;
  /** Tags k6 adds to every sample (k6-operator adds instance_id and testrun_name). */
  globalTags?: Record<string, string>;
}

/** The lines k6 would write for these requests and extra points, in time order. */
export const k6Lines = (requests: SimRequest[], points: SimPoint[] = [], opts: WriteOptions = {}): string[] => {
  const samples: SimPoint[] = [...points];
  for (const r of requests) {
    const endMs = r.sendMs + r.latencyMs;
    const failed = r.status === 0 || r.status >= 400;
    const tags: Record<string, string> = {
      group: '', method: 'GET', proto: 'HTTP/1.1', scenario: 'traffic', status: String(r.status),
      expected_response: String(!failed), ...r.tags,
    };
    if (r.errorCode !== undefined) {
      tags.error_code = String(r.errorCode);
      tags.error = r.errorCode === 1050 ? 'request timeout' : 'dial: connection refused';
    }
    const at = (metric: string, value: number): void => void samples.push({ metric, timeMs: endMs, value, tags });
    at('http_reqs', 1);
    at('http_req_duration', r.latencyMs);
    at('http_req_blocked', 0.004);
    at('http_req_connecting', 0);
    at('http_req_tls_handshaking', 0);
    at('http_req_sending', 0.02);
    at('http_req_waiting', r.latencyMs * 0.9);
    at('http_req_receiving', r.latencyMs * 0.1 - 0.02);
    at('http_req_failed', failed ? 1 : 0);
    samples.push({ metric: 'iterations', timeMs: endMs + 0.05, value: 1, tags: { group: '', scenario: tags.scenario ?? 'traffic' } });
  }
  samples.sort((a, b) => a.timeMs - b.timeMs);
  const defined = new Set<string>();
  const lines: string[] = [];
  for (const s of samples) {
    const tags = { ...s.tags, ...opts.globalTags };
    if (!defined.has(s.metric)) {
      defined.add(s.metric);
      const [type, contains] = METRIC_TYPES[s.metric] ?? ['counter', 'default'];
      lines.push(JSON.stringify({ type: 'Metric', data: { name: s.metric, type, contains, thresholds: [], submetrics: null }, metric: s.metric }));
    }
    const data = { time: rfc3339(s.timeMs, opts.zoneMin ?? 0), value: s.value, tags };
    lines.push(JSON.stringify(opts.order === 'type-first' ? { type: 'Point', data, metric: s.metric } : { metric: s.metric, type: 'Point', data }));
  }
  return lines;
};

/** Writes lines to a file, gzipped when `gzip` is set. */
export const writeK6File = (file: string, lines: string[], gzip = false): void => {
  const text = `${lines.join('\n')}\n`;
  writeFileSync(file, gzip ? gzipSync(text) : text);
};
