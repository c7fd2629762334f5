/**
 * An access log as a replay: the sorted stream of PlannedRequests the engine
 * sends (src/traffic/plan.ts), in the open model, at the log's own times.
 *
 * Two passes over the file, neither holding the log in memory:
 *   1. `scanLogForReplay`: which requests the filters keep, the first and last
 *      times, the endpoint templates by popularity (the 20 busiest keep their
 *      names, as in `prodshape fit`; the others are `other`), and tenant
 *      popularity (for the rank-preserving remap onto a dataset). The result
 *      is plain data, so worker threads get it instead of scanning again;
 *   2. `logReplayStream`: records through the filters, a reorder buffer (lines
 *      are written at completion, so out of order by up to the longest
 *      request), ids remapped, times scaled:
 *        atMs = (logTime − firstLogTime) / speed
 *      and `rateScale` applied by duplicating arrivals, never by shortening
 *      gaps: each request is sent ⌊scale⌋ times, plus once more with
 *      probability frac(scale) (below 1: kept with probability scale). The
 *      original keeps its time; each extra copy moves by a uniform jitter in
 *      ±`jitterMs` (log time), so the copies are fresh arrivals around the
 *      same moment and the curve keeps its shape at any scale above the jitter.
 * Memory: the reorder window's worth of requests, plus the scan's counters.
 * With `--workers N`, worker i sends the planned requests k ≡ i (mod N):
 * every worker reads the log, the union is exactly the whole plan.
 */
import { createRng } from '../../core/rng.js';
import { inputError } from '../../core/errors.js';
import type { HttpMethod } from '../../scenario/scenario.js';
import { WHOLE_PLAN, type PlanShare } from '../arrivals.js';
import type { PlannedRequest } from '../plan.js';
import { loadTenantTable, type TenantTable } from '../tenants.js';
import { createLogFilter, type FilterCounts, type LogFilterOptions } from './filter.js';
import { openLog, type LogReader } from './read.js';
import { createIdRemapper, type RemapStats } from './remap.js';
import { createReorderBuffer, type Keyed, type ReorderStats } from './reorder.js';
import { byPopularity, createTemplater, nameTemplates, type TemplateOptions } from './template.js';
import type { LogSourceOptions, LogStats } from './types.js';
import { TRANSFORM_DEFAULTS } from '../../scenario/profile.js';

/** How to replay a log. Defaults in brackets. Everything but `dataset` is plain data (it crosses to worker threads). */
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
  /** Seed of duplication, jitter and pseudonyms [1]. */
  seed?: number | string;
}

/** What the first pass learnt (plain data). */
export interface LogScan {
  file: string;
  format: LogReader['format'];
  /** First and last kept request, epoch ms (log time). */
  firstMs: number;
  lastMs: number;
  /** Requests the filters keep. */
  kept: number;
  /** Endpoint name of each `METHOD template` key (`other` beyond the busiest). */
  endpointOf: Record<string, string>;
  /** Endpoint names, busiest first (`other` last when used). */
  endpoints: string[];
  /** Log tenants, most requested first, and their request counts. */
  tenants: string[];
  tenantCounts: number[];
  log: LogStats;
  filtered: FilterCounts;
}

/** Counts of a replay stream, filled as it is consumed. */
export interface LogReplayStats {
  reorder: ReorderStats;
  remap: RemapStats;
  /** Requests planned after `rateScale` (and the share, with workers). */
  planned: number;
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

/** A log replay's knobs when not given (`--jitter`, `--reorder-window`, `--max-endpoints`). */
export const LOG_REPLAY_DEFAULTS = { jitterMs: 1000, reorderWindowMs: 60_000, maxEndpoints: 20 } as const;

/** Checks the numeric options (InputErrors naming the flag). */
export const checkLogReplayOptions = (opts: LogReplayOptions): void => {
  const { speed = TRANSFORM_DEFAULTS.speed, rateScale = TRANSFORM_DEFAULTS.rateScale, jitterMs = LOG_REPLAY_DEFAULTS.jitterMs, reorderWindowMs = LOG_REPLAY_DEFAULTS.reorderWindowMs, maxEndpoints = LOG_REPLAY_DEFAULTS.maxEndpoints } = opts;
  check(Number.isFinite(speed) && speed > 0, '--speed', `expected a number > 0, got ${speed}`);
  check(Number.isFinite(rateScale) && rateScale > 0, '--rate-scale', `expected a number > 0, got ${rateScale}`);
  check(Number.isFinite(jitterMs) && jitterMs >= 0, '--jitter', `expected a duration >= 0, got ${jitterMs} ms`);
  check(Number.isFinite(reorderWindowMs) && reorderWindowMs >= 0, '--reorder-window', `expected a duration >= 0, got ${reorderWindowMs} ms`);
  check(Number.isInteger(maxEndpoints) && maxEndpoints >= 1, '--max-endpoints', `expected a whole number >= 1, got ${maxEndpoints}`);
};

/** Pass 1: reads the log once. Throws an InputError when no request is left to replay. */
export const scanLogForReplay = async (file: string, opts: LogReplayOptions = {}): Promise<LogScan> => {
  checkLogReplayOptions(opts);
  const reader = await openLog(file, opts.source);
  const templater = createTemplater(opts.templates);
  const filter = createLogFilter(opts.filter);
  const templateCounts = new Map<string, { method: string; template: string; requests: number }>();
  const tenantCounts = new Map<string, number>();
  let firstMs = Infinity;
  let lastMs = -Infinity;
  let kept = 0;
  for await (const batch of reader.batches()) {
    for (const r of batch) {
      if (!filter.keep(r)) continue;
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
  const stats = reader.stats;
  if (kept === 0) {
    const dropped = Object.entries(filter.counts).filter(([, n]) => n > 0).map(([why, n]) => `${n} by ${why}`).join(', ');
    throw inputError('--log', `no request to replay: ${stats.records} parsed, ${stats.malformed} malformed${dropped === '' ? '' : `, filtered out: ${dropped}`}`, {
      file, hint: filter.counts.writes > 0 ? 'only GET, HEAD and OPTIONS are replayed unless --allow-writes' : 'check --format and the filters',
    });
  }
  const ranked = [...templateCounts.values()].sort(byPopularity);
  const maxEndpoints = opts.maxEndpoints ?? LOG_REPLAY_DEFAULTS.maxEndpoints;
  const names = nameTemplates(ranked);
  const endpointOf: Record<string, string> = {};
  ranked.forEach((t, i) => (endpointOf[`${t.method} ${t.template}`] = i < maxEndpoints ? (names[i] as string) : OTHER_ENDPOINT));
  const endpoints = names.slice(0, maxEndpoints);
  if (ranked.length > maxEndpoints || templateCounts.size >= SCAN_MAX_TEMPLATES) endpoints.push(OTHER_ENDPOINT);
  const tenants = [...tenantCounts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return {
    file, format: reader.format, firstMs, lastMs, kept, endpointOf, endpoints,
    tenants: tenants.map(([id]) => id), tenantCounts: tenants.map(([, n]) => n), log: stats, filtered: filter.counts,
  };
};

/** Length of the replay after `speed` and `durationLimitMs`, ms (at least 1). */
export const logReplayDurationMs = (scan: LogScan, opts: LogReplayOptions): number => {
  const spanMs = (scan.lastMs - scan.firstMs) / (opts.speed ?? 1);
  const limit = opts.durationLimitMs ?? null;
  return Math.max(1, limit === null ? spanMs : Math.min(spanMs, limit));
};

/**
 * Pass 2: the planned requests, sorted by `atMs`, in batches. `table` is the
 * dataset the ids are remapped onto (null: ids pass through); `share` picks
 * one worker's part. `stats` is filled as the stream is consumed.
 */
export async function* logReplayStream(
  scan: LogScan, opts: LogReplayOptions, table: TenantTable | null, share: PlanShare = WHOLE_PLAN,
  stats: LogReplayStats = { reorder: { late: 0, maxLateMs: 0, peakHeld: 0 }, remap: { tenants: 0, idsInRange: 0, idsPseudonymized: 0 }, planned: 0 },
): AsyncGenerator<PlannedRequest[]> {
  const { firstMs } = scan;
  const speed = opts.speed ?? TRANSFORM_DEFAULTS.speed;
  const rateScale = opts.rateScale ?? TRANSFORM_DEFAULTS.rateScale;
  const jitterMs = opts.jitterMs ?? LOG_REPLAY_DEFAULTS.jitterMs;
  const limit = opts.durationLimitMs ?? null;
  const seed = opts.seed ?? 1;
  const reader = await openLog(scan.file, { ...opts.source, format: scan.format });
  const templater = createTemplater(opts.templates);
  const filter = createLogFilter(opts.filter);
  const remapper = createIdRemapper({ table, logTenants: scan.tenants, logTenantCounts: scan.tenantCounts, seed });
  const rng = createRng(seed, 'log-replay');
  const reorder = createReorderBuffer<PlannedRequest>(opts.reorderWindowMs ?? LOG_REPLAY_DEFAULTS.reorderWindowMs);
  // Extra copies move by up to ±jitter: a second buffer of twice that restores order.
  const jittered = createReorderBuffer<PlannedRequest>(2 * jitterMs);
  stats.reorder = reorder.stats;
  stats.remap = remapper.stats;
  stats.planned = 0;
  const whole = Math.floor(rateScale);
  const frac = rateScale - whole;
  const released: Keyed<PlannedRequest>[] = [];
  const out: Keyed<PlannedRequest>[] = [];
  let k = 0; // index of the planned request in the whole plan (all shares)
  let done = false;
  const emit = (): PlannedRequest[] => {
    const res: PlannedRequest[] = [];
    for (const e of out) {
      const atMs = (e.k - firstMs) / speed;
      if (limit !== null && atMs > limit) {
        done = true;
        break;
      }
      if (k++ % share.count !== share.index) continue;
      e.v.atMs = atMs;
      res.push(e.v);
    }
    stats.planned += res.length;
    out.length = 0;
    return res;
  };
  const duplicate = (): void => {
    for (const e of released) {
      const copies = whole + (rng() < frac ? 1 : 0);
      if (copies === 0) continue;
      jittered.push(e.k, e.v, out);
      for (let c = 1; c < copies; c++) {
        const shift = jitterMs === 0 ? 0 : (rng() * 2 - 1) * jitterMs;
        jittered.push(Math.max(firstMs, e.k + shift), { ...e.v }, out);
      }
    }
    released.length = 0;
  };
  for await (const batch of reader.batches()) {
    for (const r of batch) {
      if (!filter.keep(r)) continue;
      const t = templater(r.target);
      const mapped = remapper.remap(r.target, t.ids);
      const req: PlannedRequest = {
        atMs: 0,
        endpoint: scan.endpointOf[`${r.method} ${t.template}`] ?? OTHER_ENDPOINT,
        method: r.method as HttpMethod,
        path: mapped.target,
        tenant: mapped.tenant,
        tenantClass: mapped.tenantClass,
      };
      reorder.push(r.timeMs, req, released);
      if (released.length > 0) duplicate();
    }
    if (out.length > 0) {
      const ready = emit();
      if (ready.length > 0) yield ready;
      if (done) return;
    }
  }
  reorder.flush(released);
  duplicate();
  jittered.flush(out);
  const ready = emit();
  if (ready.length > 0) yield ready;
}

/** Flattens batches into the PlanStream the engine pulls from. */
export async function* flattenBatches(batches: AsyncIterable<PlannedRequest[]>): AsyncGenerator<PlannedRequest> {
  for await (const b of batches) yield* b;
}

/**
 * Reads the first batch now, before the run's time zero, and returns the
 * flattened stream: opening and parsing the log's head (and filling the
 * reorder window) must not delay the first requests.
 */
export const primedStream = async (batches: AsyncGenerator<PlannedRequest[]>): Promise<AsyncGenerator<PlannedRequest>> => {
  const first = await batches.next();
  async function* rest(): AsyncGenerator<PlannedRequest> {
    if (first.done === true) return;
    yield* first.value;
    for await (const b of batches) yield* b;
  }
  return rest();
};

/** Arguments of `logPlanFactory` (structured-cloneable, for worker threads). */
export interface LogPlanArgs {
  scan: LogScan;
  options: LogReplayOptions;
  /** Dataset directory whose manifest.json the ids are remapped onto, or null. */
  dataDir: string | null;
}

/** A PlanFactory (engine/plan-source.ts): one worker's share of a log replay. */
export const logPlanFactory = async (args: LogPlanArgs, share: PlanShare): Promise<AsyncIterable<PlannedRequest>> => {
  const table = args.dataDir === null ? null : ((await loadTenantTable({ dataDir: args.dataDir }))?.table ?? null);
  return primedStream(logReplayStream(args.scan, args.options, table, share));
};

/** A log opened for replay: the scan, and the stream on demand. */
export interface LogReplaySource {
  scan: LogScan;
  /** Length of the replay, ms. */
  plannedDurationMs: number;
  /** Endpoint names (busiest first, `other` last when used). */
  endpoints: string[];
  /** Filled as `batches()` is consumed. */
  stats: LogReplayStats;
  /** The whole plan, sorted, in batches; each call reads the log again. */
  batches(): AsyncGenerator<PlannedRequest[]>;
}

/** Scans a log and returns its replay (one thread; `dataset`: the table ids are remapped onto). */
export const openLogReplay = async (file: string, opts: LogReplayOptions = {}, dataset: TenantTable | null = null): Promise<LogReplaySource> => {
  const scan = await scanLogForReplay(file, opts);
  const stats: LogReplayStats = { reorder: { late: 0, maxLateMs: 0, peakHeld: 0 }, remap: { tenants: scan.tenants.length, idsInRange: 0, idsPseudonymized: 0 }, planned: 0 };
  return {
    scan, stats, endpoints: scan.endpoints, plannedDurationMs: logReplayDurationMs(scan, opts),
    batches: () => logReplayStream(scan, opts, dataset, WHOLE_PLAN, stats),
  };
};
