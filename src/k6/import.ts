/**
 * `prodshape report --from-k6 FILE… --out DIR`: k6's `--out json` results (one
 * file per runner, gzip or not) into a prodshape run directory, so the same
 * analysis and report run on k6 results as on a native run.
 *
 * Streaming: each file is read line by line and never held in memory; the
 * windows keep a bounded number of raw latencies (window-builder.ts).
 *
 * Mapping (run/format.ts):
 * - `http_req_duration` points are requests: latency = the value (ms),
 *   completion = the point's time (k6 stamps HTTP samples with the request's
 *   end), send = time − latency. A request counts in the window of its send
 *   second and, for throughput, in the window of its completion second.
 *   Endpoint from the `endpoint` tag (else `name`, else `url`), class from
 *   `tenant_class`, failure from `expected_response` (what http_req_failed
 *   records) or the status, its class from the status and k6's error_code.
 * - `dropped_iterations` points are arrivals k6 could not send (no free VU).
 * - Requests of the scripts' event scenarios (`prodshape_event` tag) are events.
 * - `prodshape_meta` (one point from the exported script's setup()) names the
 *   scenario, profile, SLOs; `prodshape_tenant_rows` gives tagged tenants' rows.
 * - Several files (k6-operator runners, each with its own `instance_id` tag)
 *   merge into one run: histograms add exactly.
 *
 * Time zero is the earliest of the run's own points (the metadata point, a
 * request's send time, a dropped iteration), found by reading the start of
 * every file first; windows are whole seconds from there.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { prepareOutputDir } from '../core/out-paths.js';
import { removePreviousRunFiles } from '../run/previous.js';
import { join, resolve } from 'node:path';
import { inputError } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import { createNdjsonWriter } from '../run/ndjson.js';
import {
  RUN_FILES, RUN_FORMAT_VERSION, TENANT_CLASSES,
  type ErrorClass, type EventRecord, type RunMeta, type TenantClass, type TenantRecord,
} from '../run/format.js';
import { foldLatency, newLatencyBuffer, pushLatency, type LatencyBuffer } from './latency-buffer.js';
import { openLineBatches, openLines } from '../core/lines.js';
import { parseK6Line, peekMetricName, type K6PointLine } from './k6-json.js';
import { createWindowBuilder } from './window-builder.js';
import { round3 } from '../core/round.js';
import { fmtS } from '../core/duration.js';

/** The metrics the importer reads; every other line is counted and skipped unparsed. */
const USED = new Set(['http_req_duration', 'dropped_iterations', 'prodshape_meta', 'prodshape_tenant_rows']);

/** What the exported script's setup() records (script.ts `PRODSHAPE_RUN`). */
export interface K6RunMetadata {
  format?: number;
  prodshape?: string;
  scenario?: string;
  profile?: string;
  arrival?: string;
  speed?: number;
  rate_scale?: number;
  planned_duration_s?: number;
  expected_requests?: number;
  endpoints?: string[];
  slo?: string[];
  max_vus?: number;
  expected_latency_ms?: number;
  skipped_events?: { at_s: number; action: string; reason: string }[];
  target?: string;
}

export interface K6ImportOptions {
  /** `--force`: import into a non-empty directory that is no earlier k6 import [false]. */
  force?: boolean;
  /** Raw latencies held in memory before they are folded into histograms (default 4 M ≈ 16 MB). */
  memoryBudgetValues?: number;
  /** Lines read at the start of each file to find time zero (default 5000). */
  prescanLines?: number;
  /** How many malformed lines to quote (default 5). */
  malformedExamples?: number;
}

export interface K6FileStats { file: string; lines: number; points: number; requests: number; malformed: number }

export interface K6ImportResult {
  dir: string;
  meta: RunMeta;
  files: K6FileStats[];
  requests: number;
  dropped: number;
  events: number;
  windows: number;
  tenants: number;
  malformed: { count: number; examples: string[] };
  /** `instance_id` tags seen (k6-operator runners). */
  instances: string[];
  warnings: string[];
}

/** Failure class of an HTTP sample from its tags, or null when it succeeded. */
export const classifyK6Error = (tags: Record<string, string>): ErrorClass | null => {
  const status = Number(tags.status ?? NaN);
  const failed = tags.expected_response !== undefined
    ? tags.expected_response === 'false'
    : !(status >= 200 && status < 400);
  if (!failed) return null;
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  const code = Number(tags.error_code ?? NaN);
  if (code === 1050 || code === 1211) return 'timeout';
  if (code === 1220 || code === 1201) return 'reset';
  if ((code >= 1100 && code < 1200) || (code >= 1210 && code <= 1213) || (code >= 1300 && code < 1400)) return 'connect';
  return 'other';
};

const isTenantClass = (s: string | undefined): s is TenantClass => s !== undefined && (TENANT_CLASSES as readonly string[]).includes(s);

/** Setup and teardown requests of a hand-written script are not load. */
const isLifecycle = (tags: Record<string, string>): boolean => tags.group === '::setup' || tags.group === '::teardown';

interface PendingEvent { action: string; atS: number | null; sendMs: number; endMs: number; status: number | null; error: ErrorClass | null; message: string | null }

interface TenantAcc extends LatencyBuffer { tenant: string; endpoint: string; tenantClass: TenantClass; requests: number; errors: number }

/** Most (tenant, endpoint) pairs tracked; more are counted, not kept (a hand-written script may tag every id). */
const MAX_TENANT_PAIRS = 50_000;

/** Reads the start of a file for the run's earliest own time (see the module comment). */
const prescan = async (file: string, maxLines: number): Promise<number | null> => {
  let earliest: number | null = null;
  let n = 0;
  // A file cut short is reported by the import pass; the prescan just stops there.
  for await (const text of openLines(file, { onTruncated: () => undefined })) {
    if (++n > maxLines) break;
    const name = peekMetricName(text);
    if (name !== null && !USED.has(name)) continue;
    const line = parseK6Line(text);
    if (!('type' in line) || line.type !== 'Point') continue;
    const t = candidateTime(line);
    if (t !== null && (earliest === null || t < earliest)) earliest = t;
  }
  return earliest;
};

/** The time a point says the run was under way: a request's send time, a drop, the metadata point. */
const candidateTime = (p: K6PointLine): number | null => {
  if (p.metric === 'http_req_duration') return isLifecycle(p.tags) ? null : p.timeMs - p.value;
  if (p.metric === 'dropped_iterations' || p.metric === 'prodshape_meta') return p.timeMs;
  return null;
};

/**
 * The run directory of an import: new, empty, an earlier k6 import (replaced)
 * or, with `force`, any directory (a previous run's files in it are removed).
 * Created with a bounded mkdir (an InputError naming --out, never a spin).
 */
const prepareOutDir = async (dir: string, force: boolean): Promise<void> => {
  if (existsSync(dir)) {
    const st = await stat(dir);
    if (!st.isDirectory()) throw inputError('--out', 'exists and is not a directory', { file: dir });
    const entries = await readdir(dir);
    if (entries.length > 0 && force) removePreviousRunFiles(dir);
    else if (entries.length > 0) {
      const metaFile = join(dir, RUN_FILES.meta);
      let previousK6 = false;
      if (entries.includes(RUN_FILES.meta)) {
        try {
          previousK6 = (JSON.parse(await readFile(metaFile, 'utf8')) as Partial<RunMeta>).tool?.name === 'k6';
        } catch (e) {
          throw inputError('--out', `holds a run.json that is not JSON (${(e as Error).message})`, { file: metaFile });
        }
      }
      if (!previousK6) {
        throw inputError('--out', 'is not empty and holds no earlier k6 import', {
          file: dir, hint: 'choose a new directory (an import only replaces an earlier k6 import), or pass --force to write there anyway',
        });
      }
    }
  }
  prepareOutputDir(dir, '--out');
};

/** What the read of every file gathers: the windows being built, per-tenant latencies, events, counts. */
interface ImportState {
  /** Time zero, epoch ms (the first point's time when the prescan found none). */
  anchorMs: number | null;
  builder: ReturnType<typeof createWindowBuilder>;
  /** Keyed `tenant\0endpoint`. */
  tenants: Map<string, TenantAcc>;
  tenantPairsDropped: number;
  /** Rows of tagged tenants (`prodshape_tenant_rows`). */
  tenantRows: Map<string, number>;
  events: PendingEvent[];
  instances: Set<string>;
  testRuns: Set<string>;
  /** Endpoints in the order first seen. */
  endpointsSeen: string[];
  /** `Metric` definition lines by metric name. */
  definitions: Map<string, { metricType: string; contains: string }>;
  meta: K6RunMetadata | null;
  requests: number;
  dropped: number;
  malformed: number;
  /** The first malformed lines, quoted with file and line. */
  examples: string[];
  exampleLimit: number;
  lastSendMs: number;
  stats: K6FileStats[];
  warnings: string[];
}

const importState = async (files: string[], opts: K6ImportOptions): Promise<ImportState> => {
  let anchorMs: number | null = null;
  for (const f of files) {
    const t = await prescan(f, opts.prescanLines ?? 5000);
    if (t !== null && (anchorMs === null || t < anchorMs)) anchorMs = t;
  }
  return {
    anchorMs, builder: createWindowBuilder(opts.memoryBudgetValues), tenants: new Map(), tenantPairsDropped: 0, tenantRows: new Map(),
    events: [], instances: new Set(), testRuns: new Set(), endpointsSeen: [], definitions: new Map(), meta: null,
    requests: 0, dropped: 0, malformed: 0, examples: [], exampleLimit: opts.malformedExamples ?? 5, lastSendMs: -Infinity, stats: [], warnings: [],
  };
};

/** The window (whole seconds from time zero) of an epoch-ms time. */
const keyOf = (s: ImportState, ms: number): number => {
  s.anchorMs ??= ms;
  return Math.floor((ms - s.anchorMs) / 1000);
};

/** A request of an event scenario (`prodshape_event` tag). */
const onEventRequest = (s: ImportState, p: K6PointLine, error: ErrorClass | null): void => {
  const tags = p.tags;
  const at = Number(tags.prodshape_event_at);
  s.events.push({
    action: tags.prodshape_event ?? '', atS: Number.isFinite(at) ? at : null, sendMs: p.timeMs - p.value, endMs: p.timeMs,
    status: tags.status === undefined ? null : Number(tags.status), error,
    message: tags.error ?? (error === null ? null : `HTTP ${tags.status ?? '?'}`),
  });
};

/** Counts a request for its (tenant, endpoint) pair, while fewer than MAX_TENANT_PAIRS pairs are tracked. */
const onTenantRequest = (s: ImportState, tenant: string, endpoint: string, tenantClass: TenantClass, latencyMs: number, error: ErrorClass | null): void => {
  const id = `${tenant}\u0000${endpoint}`;
  let acc = s.tenants.get(id);
  if (acc === undefined && s.tenants.size < MAX_TENANT_PAIRS) {
    acc = { tenant, endpoint, tenantClass, requests: 0, errors: 0, ...newLatencyBuffer() };
    s.tenants.set(id, acc);
  }
  if (acc === undefined) {
    s.tenantPairsDropped++;
    return;
  }
  acc.requests++;
  if (error !== null) acc.errors++;
  pushLatency(acc, latencyMs);
  // Per-tenant values are folded as they pile up, so memory stays bounded.
  if (acc.n >= 4096) foldLatency(acc);
};

const onRequest = (s: ImportState, p: K6PointLine): void => {
  const tags = p.tags;
  const endMs = p.timeMs;
  const sendMs = endMs - p.value;
  const error = classifyK6Error(tags);
  if (tags.prodshape_event !== undefined) {
    onEventRequest(s, p, error);
    return;
  }
  const endpoint = tags.endpoint ?? tags.name ?? tags.url ?? 'unknown';
  if (!s.endpointsSeen.includes(endpoint)) s.endpointsSeen.push(endpoint);
  const tenantClass = isTenantClass(tags.tenant_class) ? tags.tenant_class : 'none';
  s.builder.addRequest(keyOf(s, sendMs), keyOf(s, endMs), endpoint, tenantClass, p.value * 1000, error);
  s.requests++;
  if (sendMs > s.lastSendMs) s.lastSendMs = sendMs;
  if (tags.tenant !== undefined && tags.tenant !== '') onTenantRequest(s, tags.tenant, endpoint, tenantClass, p.value * 1000, error);
};

/** The exported script's metadata point; files of different exports are merged with a warning. */
const onMeta = (s: ImportState, p: K6PointLine): void => {
  keyOf(s, p.timeMs);
  let m: K6RunMetadata;
  try {
    m = JSON.parse(p.tags.prodshape ?? '') as K6RunMetadata;
  } catch (e) {
    s.warnings.push(`the prodshape_meta point's tag is not JSON (${(e as Error).message}); the run's names are unknown`);
    return;
  }
  if (s.meta === null) s.meta = m;
  else if (s.meta.scenario !== m.scenario || s.meta.profile !== m.profile) {
    s.warnings.push(`the files come from different exports (${s.meta.scenario}/${s.meta.profile} and ${m.scenario}/${m.profile}); merged anyway`);
  }
};

const onPoint = (s: ImportState, p: K6PointLine): void => {
  if (p.tags.instance_id !== undefined) s.instances.add(p.tags.instance_id);
  if (p.tags.testrun_name !== undefined) s.testRuns.add(p.tags.testrun_name);
  switch (p.metric) {
    case 'http_req_duration':
      if (!isLifecycle(p.tags)) onRequest(s, p);
      return;
    case 'dropped_iterations':
      s.builder.addDropped(keyOf(s, p.timeMs), p.value);
      s.dropped += p.value;
      return;
    case 'prodshape_tenant_rows':
      if (p.tags.tenant !== undefined) s.tenantRows.set(p.tags.tenant, p.value);
      return;
    case 'prodshape_meta':
      onMeta(s, p);
      return;
    default:
  }
};

/** One line of a file; unused metrics are counted unparsed, malformed lines counted and quoted. */
const onLine = (s: ImportState, st: K6FileStats, text: string): void => {
  st.lines++;
  if (text.trim() === '') return;
  const name = peekMetricName(text);
  if (name !== null && !USED.has(name) && text.startsWith('{') && text.trimEnd().endsWith('}')) {
    st.points++;
    return;
  }
  const line = parseK6Line(text);
  if (!('type' in line)) {
    s.malformed++;
    st.malformed++;
    if (s.examples.length < s.exampleLimit) s.examples.push(`${st.file}:${st.lines}: ${line.error}`);
    return;
  }
  if (line.type === 'Metric') {
    s.definitions.set(line.metric, { metricType: line.metricType, contains: line.contains });
    return;
  }
  st.points++;
  onPoint(s, line);
};

const readResultsFile = async (s: ImportState, file: string): Promise<void> => {
  const st: K6FileStats = { file, lines: 0, points: 0, requests: 0, malformed: 0 };
  const before = s.requests;
  const truncated = (message: string): void => {
    s.warnings.push(`${file} is cut short after line ${st.lines} (${message}): imported the lines it holds`);
  };
  for await (const batch of openLineBatches(file, { onTruncated: truncated })) {
    for (const text of batch) onLine(s, st, text);
  }
  st.requests = s.requests - before;
  s.stats.push(st);
};

/** Refuses results without requests; warns of an odd http_req_duration, untracked tenants and malformed lines. */
const checkRead = (s: ImportState, files: string[]): void => {
  if (s.requests === 0 && s.dropped === 0) {
    throw inputError('--from-k6', `no HTTP requests found (no http_req_duration points) in ${files.join(', ')}`, {
      hint: 'pass the file k6 wrote with `k6 run --out json=results.json` (or .json.gz)',
    });
  }
  const duration = s.definitions.get('http_req_duration');
  if (duration !== undefined && (duration.metricType !== 'trend' || duration.contains !== 'time')) {
    s.warnings.push(`http_req_duration is defined as a ${duration.metricType} of ${duration.contains}, not a trend of time; read as milliseconds anyway`);
  }
  if (s.tenantPairsDropped > 0) s.warnings.push(`${s.tenantPairsDropped} requests to tenants beyond the first ${MAX_TENANT_PAIRS} tenant × endpoint pairs were not tracked per tenant`);
  if (s.malformed > 0) s.warnings.push(`${s.malformed} malformed line${s.malformed === 1 ? '' : 's'} skipped (first: ${s.examples[0] ?? ''})`);
};

const eventRecordsOf = (s: ImportState, startMs: number): EventRecord[] =>
  s.events
    .sort((a, b) => a.sendMs - b.sendMs)
    .map((e) => ({
      t_s: e.atS ?? Math.max(0, (e.sendMs - startMs) / 1000),
      action: e.action,
      kind: 'http',
      start_ms: Math.round(e.sendMs - startMs),
      end_ms: Math.round(e.endMs - startMs),
      ok: e.error === null,
      status: e.status === 0 ? null : e.status,
      output: '',
      error: e.error === null ? null : `${e.error}: ${e.message ?? ''}`.trim(),
    }));

const tenantRecordsOf = (s: ImportState): TenantRecord[] =>
  [...s.tenants.values()].map((t) => {
    foldLatency(t);
    return {
      tenant: t.tenant,
      rows: s.tenantRows.get(t.tenant) ?? (t.tenantClass === 'empty' ? 0 : null),
      tenant_class: t.tenantClass,
      endpoint: t.endpoint,
      requests: t.requests,
      errors: t.errors,
      latency: t.encoded ?? '',
    };
  });

/** The run's times: its start, the profile's planned length and what the results measured. */
interface ImportTimes { startMs: number; plannedS: number | null; measuredS: number; endsEarly: boolean; durationS: number }

const importTimes = (s: ImportState, m: K6RunMetadata, shiftKey: number): ImportTimes => {
  const startMs = (s.anchorMs ?? 0) + shiftKey * 1000;
  const measuredS = Number.isFinite(s.lastSendMs) ? Math.max(0, (s.lastSendMs - startMs) / 1000) : 0;
  const plannedS = typeof m.planned_duration_s === 'number' ? m.planned_duration_s : null;
  const endsEarly = plannedS !== null && measuredS < plannedS - 2;
  const durationS = plannedS !== null && !endsEarly ? plannedS : measuredS;
  return { startMs, plannedS, measuredS, endsEarly, durationS };
};

/** The `k6` block of run.json's `extra`: where the run came from and what the import skipped. */
const k6Extra = (s: ImportState, m: K6RunMetadata): Record<string, unknown> => ({
  files: s.stats,
  instances: [...s.instances].sort(),
  testruns: [...s.testRuns].sort(),
  metadata_found: s.meta !== null,
  exported_by: m.prodshape ?? null,
  expected_requests: m.expected_requests ?? null,
  expected_latency_ms: m.expected_latency_ms ?? null,
  dropped_iterations: s.dropped,
  dropped_apportioned: 'dropped_iterations carry no endpoint: they are spread over each second\'s endpoints in proportion to its requests',
  skipped_events: m.skipped_events ?? [],
  malformed_lines: s.malformed,
  malformed_examples: s.examples,
  latency: 'http_req_duration (excludes http_req_blocked: waiting for and opening a connection)',
});

const runMetaOf = (s: ImportState, m: K6RunMetadata, t: ImportTimes, endpoints: string[], fileCount: number): RunMeta => ({
  format: RUN_FORMAT_VERSION,
  tool: { name: 'k6', version: 'unknown' },
  target: m.target ?? null,
  scenario: m.scenario ?? null,
  profile: m.profile ?? null,
  started_at_ms: Math.round(t.startMs),
  planned_duration_s: t.plannedS ?? t.measuredS,
  duration_s: round3(t.durationS),
  seed: 'none',
  speed: m.speed ?? 1,
  rate_scale: m.rate_scale ?? 1,
  arrival: 'k6',
  endpoints,
  slo: m.slo ?? [],
  workers: Math.max(s.instances.size, fileCount),
  connections: 0,
  max_inflight: m.max_vus ?? null,
  interrupted: t.endsEarly,
  interrupt_reason: t.endsEarly ? `the k6 results end ${fmtS((t.plannedS ?? 0) - t.measuredS)} before the profile does (k6 stopped early?)` : null,
  lag_ms: { p50: null, p99: null, max: null },
  extra: { imported_by: `prodshape ${VERSION}`, k6: k6Extra(s, m) },
});

const writeRecords = async (dir: string, name: string, records: readonly unknown[]): Promise<void> => {
  const w = createNdjsonWriter(join(dir, name));
  for (const r of records) await w.write(r);
  await w.close();
};

/**
 * Imports k6 JSON results into a run directory. Throws an InputError when a
 * file is missing or holds no HTTP requests at all; malformed lines are
 * counted and quoted, never fatal.
 */
export const importK6Results = async (files: string[], outDir: string, opts: K6ImportOptions = {}): Promise<K6ImportResult> => {
  if (files.length === 0) throw inputError('--from-k6', 'name at least one k6 results file (k6 run --out json=results.json)');
  for (const f of files) {
    if (!existsSync(f)) throw inputError('--from-k6', 'no such file', { file: f });
  }
  const dir = resolve(outDir);
  const s = await importState(files, opts);
  for (const file of files) await readResultsFile(s, file);
  checkRead(s, files);

  const m: K6RunMetadata = s.meta ?? {};
  const range = s.builder.keyRange();
  const shiftKey = Math.min(0, range?.min ?? 0);
  const times = importTimes(s, m, shiftKey);
  const endpoints = [...(m.endpoints ?? []), ...s.endpointsSeen.filter((e) => !(m.endpoints ?? []).includes(e))];
  const windows = s.builder.finish(shiftKey, { endpoint: endpoints[0] ?? 'unknown', tenantClass: 'none' });
  const eventRecords = eventRecordsOf(s, times.startMs);
  const tenantRecords = tenantRecordsOf(s);
  const runMeta = runMetaOf(s, m, times, endpoints, files.length);

  await prepareOutDir(dir, opts.force ?? false);
  await writeFile(join(dir, RUN_FILES.meta), `${JSON.stringify(runMeta, null, 2)}\n`);
  await writeRecords(dir, RUN_FILES.windows, windows);
  await writeRecords(dir, RUN_FILES.tenants, tenantRecords);
  await writeRecords(dir, RUN_FILES.events, eventRecords);

  return {
    dir,
    meta: runMeta,
    files: s.stats,
    requests: s.requests,
    dropped: s.dropped,
    events: eventRecords.length,
    windows: windows.length,
    tenants: new Set(tenantRecords.map((t) => t.tenant)).size,
    malformed: { count: s.malformed, examples: s.examples },
    instances: [...s.instances].sort(),
    warnings: s.warnings,
  };
};
