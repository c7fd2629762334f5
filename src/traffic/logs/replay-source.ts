/**
 * An access log as a replay: the sorted stream of PlannedRequests the engine
 * sends (src/traffic/plan.ts), in the open model, at the log's own times.
 *
 * Two passes over the file, neither holding the log in memory:
 *   1. a scan: which requests the filters keep, the first and last times, the
 *      endpoint templates by popularity (the 20 busiest keep their names, as in
 *      `prodshape fit`; the others are `other`), and tenant popularity (for the
 *      rank-preserving remap onto a dataset);
 *   2. the stream: records through the filters, a reorder buffer (lines are
 *      written at completion, so out of order by up to the longest request),
 *      ids remapped, times scaled:
 *        atMs = (logTime − firstLogTime) / speed
 *      and `rateScale` applied by duplicating arrivals, never by shortening
 *      gaps: each request is sent ⌊scale⌋ times, plus once more with
 *      probability frac(scale) (below 1: kept with probability scale). The
 *      original keeps its time; each extra copy moves by a uniform jitter in
 *      ±`jitterMs` (log time), so the copies are fresh arrivals around the
 *      same moment and the curve keeps its shape at any scale above the jitter.
 * Memory: the reorder window's worth of requests, plus the scan's counters.
 */
import { createRng } from '../../core/rng.js';
import { inputError } from '../../core/errors.js';
import type { HttpMethod } from '../../scenario/scenario.js';
import type { PlannedRequest } from '../plan.js';
import { createLogFilter, type FilterCounts, type LogFilterOptions } from './filter.js';
import { openLog, type LogReader } from './read.js';
import { createIdRemapper, type RemapStats, type TenantDirectory } from './remap.js';
import { createReorderBuffer, type Keyed, type ReorderStats } from './reorder.js';
import { byPopularity, createTemplater, nameTemplates, type TemplateOptions } from './template.js';
import type { LogSourceOptions, LogStats } from './types.js';

/** How to replay a log. Defaults in brackets. */
export interface LogReplayOptions {
  source?: LogSourceOptions;
  /** [safe methods only, every path and status, no maps] */
  filter?: LogFilterOptions;
  templates?: TemplateOptions;
  /** Time compression: 10 plays 10 minutes of log in 1 [1]. */
  speed?: number;
  /** Traffic multiplier by duplication (3 = three times the requests), or thinning below 1 [1]. */
  rateScale?: number;
  /** Largest time shift of a duplicated arrival, ms of log time [1000]. */
  jitterMs?: number;
  /** How far out of order lines may be, ms of log time [60 000]. */
  reorderWindowMs?: number;
  /** Endpoints named after their template; the rest are `other` [20]. */
  maxEndpoints?: number;
  /** Stop after this many ms of (scaled) replay time [no limit]. */
  durationLimitMs?: number | null;
  /** Dataset tenants for the id remap [none: ids pass through]. */
  dataset?: TenantDirectory | null;
  /** Seed of duplication, jitter and pseudonyms [1]. */
  seed?: number | string;
}

/** Counts of a replay, filled as the stream is consumed. */
export interface LogReplayStats {
  log: LogStats;
  filtered: FilterCounts;
  reorder: ReorderStats;
  remap: RemapStats;
  /** Requests the log yields after filters, and requests planned after `rateScale`. */
  kept: number;
  planned: number;
}

/** A log opened for replay (after the scan). */
export interface LogReplaySource {
  file: string;
  format: LogReader['format'];
  /** First and last kept request, epoch ms (log time). */
  firstMs: number;
  lastMs: number;
  /** Requests the scan kept. */
  requests: number;
  /** Length of the replay after `speed` (and `durationLimitMs`), ms. */
  plannedDurationMs: number;
  /** Roughly how many requests the stream will plan (kept × rateScale). */
  expectedRequests: number;
  /** Endpoint names, busiest first (`other` last when used). */
  endpoints: string[];
  speed: number;
  rateScale: number;
  stats: LogReplayStats;
  /** The planned requests, sorted by `atMs`, in batches. Each call streams the file again. */
  batches(): AsyncGenerator<PlannedRequest[]>;
  /** What to record about the source in run.json `extra`. */
  describe(): Record<string, unknown>;
}

/** The endpoint named for requests whose template is not among the busiest. */
export const OTHER_ENDPOINT = 'other';
/** Templates counted by the scan; beyond, new templates go to `other` directly. */
const SCAN_MAX_TEMPLATES = 50_000;
/** Tenants ranked by the scan; beyond, new tenants map by hash. */
const SCAN_MAX_TENANTS = 1_000_000;

const check = (ok: boolean, flag: string, message: string): void => {
  if (!ok) throw inputError(flag, message);
};

/** Opens a log for replay: validates options, then scans it once. */
export const openLogReplay = async (file: string, opts: LogReplayOptions = {}): Promise<LogReplaySource> => {
  const speed = opts.speed ?? 1;
  const rateScale = opts.rateScale ?? 1;
  const jitterMs = opts.jitterMs ?? 1000;
  const windowMs = opts.reorderWindowMs ?? 60_000;
  check(Number.isFinite(speed) && speed > 0, '--speed', `expected a number > 0, got ${speed}`);
  check(Number.isFinite(rateScale) && rateScale > 0, '--rate-scale', `expected a number > 0, got ${rateScale}`);
  check(Number.isFinite(jitterMs) && jitterMs >= 0, '--jitter', `expected a duration >= 0, got ${jitterMs} ms`);
  check(Number.isFinite(windowMs) && windowMs >= 0, '--reorder-window', `expected a duration >= 0, got ${windowMs} ms`);
  const reader = await openLog(file, opts.source);
  const templater = createTemplater(opts.templates);

  // Pass 1: the scan.
  const scanFilter = createLogFilter(opts.filter);
  const templateCounts = new Map<string, { method: string; template: string; requests: number }>();
  const tenantCounts = new Map<string, number>();
  let firstMs = Infinity;
  let lastMs = -Infinity;
  let kept = 0;
  for await (const batch of reader.batches()) {
    for (const r of batch) {
      if (!scanFilter.keep(r)) continue;
      kept++;
      if (r.timeMs < firstMs) firstMs = r.timeMs;
      if (r.timeMs > lastMs) lastMs = r.timeMs;
      const t = templater(r.target);
      const key = `${r.method} ${t.template}`;
      const tc = templateCounts.get(key);
      if (tc !== undefined) tc.requests++;
      else if (templateCounts.size < SCAN_MAX_TEMPLATES) templateCounts.set(key, { method: r.method, template: t.template, requests: 1 });
      const tenant = t.ids.find((i) => i.name === 'tenant')?.value;
      if (tenant !== undefined) {
        const c = tenantCounts.get(tenant);
        if (c !== undefined) tenantCounts.set(tenant, c + 1);
        else if (tenantCounts.size < SCAN_MAX_TENANTS) tenantCounts.set(tenant, 1);
      }
    }
  }
  const scanStats = reader.stats;
  if (kept === 0) {
    const dropped = Object.entries(scanFilter.counts).filter(([, n]) => n > 0).map(([why, n]) => `${n} by ${why}`).join(', ');
    throw inputError('--log', `no request to replay: ${scanStats.records} parsed, ${scanStats.malformed} malformed${dropped === '' ? '' : `, filtered out: ${dropped}`}`, {
      file, hint: scanFilter.counts.writes > 0 ? 'only GET, HEAD and OPTIONS are replayed unless --allow-writes' : 'check --format and the filters',
    });
  }
  const ranked = [...templateCounts.values()].sort(byPopularity);
  const maxEndpoints = opts.maxEndpoints ?? 20;
  const names = nameTemplates(ranked);
  const endpointOf = new Map<string, string>();
  ranked.forEach((t, i) => endpointOf.set(`${t.method} ${t.template}`, i < maxEndpoints ? (names[i] as string) : OTHER_ENDPOINT));
  const endpoints = names.slice(0, maxEndpoints);
  if (ranked.length > maxEndpoints || templateCounts.size >= SCAN_MAX_TEMPLATES) endpoints.push(OTHER_ENDPOINT);
  const logTenantRanks = new Map<string, number>();
  [...tenantCounts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).forEach(([id], i) => logTenantRanks.set(id, i));
  tenantCounts.clear();

  const spanMs = (lastMs - firstMs) / speed;
  const limit = opts.durationLimitMs ?? null;
  const seed = opts.seed ?? 1;
  const stats: LogReplayStats = {
    log: scanStats, filtered: scanFilter.counts, reorder: { late: 0, maxLateMs: 0, peakHeld: 0 },
    remap: { tenants: logTenantRanks.size, idsInRange: 0, idsPseudonymized: 0 }, kept, planned: 0,
  };

  // Pass 2: the stream.
  async function* batches(): AsyncGenerator<PlannedRequest[]> {
    const filter = createLogFilter(opts.filter);
    const remapper = createIdRemapper({ directory: opts.dataset ?? null, logTenantRanks, seed });
    const rng = createRng(seed, 'log-replay');
    const reorder = createReorderBuffer<PlannedRequest>(windowMs);
    // Extra copies move by up to ±jitter: a second buffer of twice that restores order.
    const jittered = createReorderBuffer<PlannedRequest>(2 * jitterMs);
    stats.reorder = reorder.stats;
    stats.remap = remapper.stats;
    stats.planned = 0;
    const whole = Math.floor(rateScale);
    const frac = rateScale - whole;
    const released: Keyed<PlannedRequest>[] = [];
    const out: Keyed<PlannedRequest>[] = [];
    let done = false;
    const emit = (from: Keyed<PlannedRequest>[]): PlannedRequest[] => {
      const res: PlannedRequest[] = [];
      for (const e of from) {
        const atMs = (e.k - firstMs) / speed;
        if (limit !== null && atMs > limit) {
          done = true;
          break;
        }
        e.v.atMs = atMs;
        res.push(e.v);
      }
      stats.planned += res.length;
      from.length = 0;
      return res;
    };
    const duplicate = (from: Keyed<PlannedRequest>[]): void => {
      for (const e of from) {
        const copies = whole + (rng() < frac ? 1 : 0);
        if (copies === 0) continue;
        jittered.push(e.k, e.v, out);
        for (let c = 1; c < copies; c++) {
          const shift = jitterMs === 0 ? 0 : (rng() * 2 - 1) * jitterMs;
          jittered.push(Math.max(firstMs, e.k + shift), { ...e.v }, out);
        }
      }
      from.length = 0;
    };
    for await (const batch of reader.batches()) {
      for (const r of batch) {
        if (!filter.keep(r)) continue;
        const t = templater(r.target);
        const mapped = remapper.remap(r.target, t.ids);
        const req: PlannedRequest = {
          atMs: 0,
          endpoint: endpointOf.get(`${r.method} ${t.template}`) ?? OTHER_ENDPOINT,
          method: r.method as HttpMethod,
          path: mapped.target,
          tenant: mapped.tenant,
          tenantClass: mapped.tenantClass,
        };
        // Release a few at a time so the jitter buffer never holds more than it must.
        reorder.push(r.timeMs, req, released);
        if (released.length > 0) duplicate(released);
      }
      if (out.length > 0) {
        const ready = emit(out);
        if (ready.length > 0) yield ready;
        if (done) return;
      }
    }
    reorder.flush(released);
    duplicate(released);
    jittered.flush(out);
    const ready = emit(out);
    if (ready.length > 0) yield ready;
  }

  return {
    file, format: reader.format, firstMs, lastMs, requests: kept,
    plannedDurationMs: Math.max(1, limit === null ? spanMs : Math.min(spanMs, limit)),
    expectedRequests: Math.round(kept * rateScale * (limit === null || spanMs <= 0 ? 1 : Math.min(1, limit / spanMs))),
    endpoints, speed, rateScale, stats,
    batches,
    describe: () => ({
      log: { file, format: reader.format, first: new Date(firstMs).toISOString(), last: new Date(lastMs).toISOString(), span_s: (lastMs - firstMs) / 1000 },
      kept, planned: stats.planned, malformed: stats.log.malformed, filtered: stats.filtered,
      late_lines: stats.reorder.late, jitter_ms: jitterMs, reorder_window_ms: windowMs,
      remap: { dataset: opts.dataset != null, ...stats.remap },
    }),
  };
};

/** All planned requests of a source, one at a time (convenience over `batches`). */
export async function* logPlannedRequests(src: LogReplaySource): AsyncGenerator<PlannedRequest> {
  for await (const b of src.batches()) yield* b;
}

