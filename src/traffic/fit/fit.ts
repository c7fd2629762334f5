/**
 * `prodshape fit`'s core: one streamed pass over a log builds the rate curve
 * (per-second bins), the endpoint templates and the id popularity; then the
 * curve becomes profile stages, the templates become scenario endpoints, and
 * the most telling popularity (tenants if paths name them, else the busiest id
 * placeholder, else the paths themselves) gives the Zipf exponent.
 */
import { rateAtRps, type Stage } from '../../scenario/profile.js';
import { createLogFilter, type FilterCounts, type LogFilterOptions } from '../logs/filter.js';
import { openLog } from '../logs/read.js';
import type { LogSourceOptions, LogStats } from '../logs/types.js';
import { createTimeBins } from './bins.js';
import { chooseIntervalS, dispersion, rateCurve, type Dispersion, type RateCurve } from './curve.js';
import { dailyShape, type DailyShape } from './daily.js';
import { createEndpointAggregator, type AggregateOptions, type EndpointsResult, type PlaceholderStats, type TemplateStats } from './endpoints.js';
import { curveToStages } from './segments.js';
import { pearson, pText } from './stats.js';
import type { ZipfFit } from './zipf.js';
import { inputError } from '../../core/errors.js';
import { fmtPct } from '../../core/numbers.js';

/** Options of a fit. Defaults in brackets. */
export interface FitOptions {
  source?: LogSourceOptions;
  /** Which requests count [every method, path and status]. */
  filter?: LogFilterOptions;
  templates?: AggregateOptions;
  /** Curve interval in seconds [chosen from the span: at most 120 intervals]. */
  intervalS?: number;
  /** Triangular smoothing width in intervals, odd [3]; 1 turns smoothing off. */
  smoothWindow?: number;
  /** Most stages in the profile [48]. */
  maxStages?: number;
  /** Largest stage misfit as a share of the mean rate [0.05] (never below the Poisson noise of an interval). */
  tolerance?: number;
  /** Endpoints written to the scenario: the most requested ones [20]. */
  maxEndpoints?: number;
  /** `span`: stages follow the whole log [default]; `day`: one average day from the daily shape. */
  shape?: 'span' | 'day';
  /** Offset (minutes east of UTC) for the daily shape [the first record's own offset, else 0]. */
  dailyOffsetMin?: number;
}

/** The popularity whose Zipf exponent the fit reports, and where it came from. */
export interface ZipfChoice {
  /** `tenant`: the `{tenant}` placeholder across all templates; `id`: one template's placeholder; `path`: distinct paths. */
  basis: 'tenant' | 'id' | 'path';
  /** Template and placeholder for `id`. */
  endpoint: string | null;
  placeholder: string;
  fit: ZipfFit;
}

/** Everything a fit found. */
export interface FitResult {
  file: string;
  log: LogStats;
  filtered: FilterCounts;
  requests: number;
  firstMs: number;
  lastMs: number;
  /** The offset the daily shape and printed times use, minutes east of UTC. */
  offsetMin: number;
  curve: RateCurve;
  meanRps: number;
  peakRps: number;
  stages: Stage[];
  /** Correlation of the stages' rate with the smoothed curve at interval midpoints (1 = exact shape; low for a flat, noisy curve). */
  stagesCorrelation: number | null;
  /** Time-weighted RMS gap between the stages and the smoothed curve, as a share of the mean rate. */
  stagesError: number;
  toleranceRps: number;
  shape: 'span' | 'day';
  daily: DailyShape | null;
  dispersion: Dispersion | null;
  endpoints: EndpointsResult;
  /** The endpoints a scenario gets (most requested first). */
  scenarioEndpoints: TemplateStats[];
  zipf: ZipfChoice | null;
  warnings: string[];
}

/** A dispersion index above this calls the traffic bursty (Poisson arrivals give about 1). */
const BURSTY_INDEX = 10;

const noiseFactor = (window: number): number => {
  const half = Math.max(0, Math.floor(window / 2));
  const w = Array.from({ length: 2 * half + 1 }, (_, j) => half + 1 - Math.abs(j - half));
  const sum = w.reduce((a, b) => a + b, 0);
  return Math.sqrt(w.reduce((a, b) => a + b * b, 0)) / sum;
};

const chooseZipf = (e: EndpointsResult): ZipfChoice | null => {
  if (e.tenants?.zipf) return { basis: 'tenant', endpoint: null, placeholder: 'tenant', fit: e.tenants.zipf };
  let best: { t: TemplateStats; p: PlaceholderStats; fit: ZipfFit } | null = null;
  for (const t of e.templates) {
    for (const p of t.placeholders) {
      if (p.zipf && (best === null || p.requests > best.p.requests)) best = { t, p, fit: p.zipf };
    }
  }
  // A placeholder carrying a fair share of the traffic speaks for the log; otherwise the paths do.
  if (best !== null && best.p.requests >= 0.1 * e.requests) return { basis: 'id', endpoint: best.t.name, placeholder: best.p.name, fit: best.fit };
  // Paths counted only in part (the budget ran out) say little: no fit rather than a biased one.
  return e.paths.zipf && !e.pathOverflow ? { basis: 'path', endpoint: null, placeholder: 'path', fit: e.paths.zipf } : null;
};

/** Reads the log once and fits it. Throws an InputError when no request is left to fit. */
export const fitLog = async (file: string, opts: FitOptions = {}): Promise<FitResult> => {
  const reader = await openLog(file, opts.source);
  const filter = createLogFilter({ allowWrites: true, ...opts.filter });
  const bins = createTimeBins();
  const agg = createEndpointAggregator(opts.templates);
  let firstOffset: number | null = null;
  for await (const batch of reader.batches()) {
    for (const r of batch) {
      if (!filter.keep(r)) continue;
      if (firstOffset === null && r.offsetMin !== null) firstOffset = r.offsetMin;
      bins.add(r.timeMs);
      agg.add(r);
    }
  }
  if (bins.total === 0) {
    throw inputError('--log', `no request to fit: ${reader.stats.records} parsed, ${reader.stats.malformed} malformed, the rest filtered out`, {
      file, hint: reader.stats.malformed > 0 ? 'check --format (and --fields for JSON/CSV)' : 'loosen --method/--path/--status',
    });
  }
  const spanS = (bins.lastMs - bins.firstMs) / 1000;
  const intervalS = opts.intervalS ?? chooseIntervalS(spanS, bins.resolutionS);
  if (intervalS % bins.resolutionS !== 0) {
    throw inputError('--interval', `the log is binned at ${bins.resolutionS}s (it is long); give a multiple of that`);
  }
  const smoothWindow = opts.smoothWindow ?? 3;
  let curve = rateCurve(bins, intervalS, smoothWindow);
  let disp = dispersion(bins, curve);
  // Bursty (e.g. sampled) logs: every interval holds one burst, the short last one too; counted over a whole interval.
  if (disp !== null && disp.index > BURSTY_INDEX) {
    curve = rateCurve(bins, intervalS, smoothWindow, 'full');
    disp = dispersion(bins, curve);
  }
  const totalS = curve.durationsS.reduce((a, b) => a + b, 0);
  const meanRps = bins.total / totalS;
  const peakRps = Math.max(...curve.smoothRps);
  const offsetMin = opts.dailyOffsetMin ?? firstOffset ?? 0;
  const daily = dailyShape(bins, offsetMin);
  const shape = opts.shape ?? 'span';
  if (shape === 'day' && daily === null) throw inputError('--daily', 'the log covers less than a full day: there is no average day to write', { file });
  const relTol = opts.tolerance ?? 0.05;
  const segOpts = (mean: number, perS: number) => ({
    toleranceRps: Math.max(relTol * mean, Math.sqrt(mean / perS) * noiseFactor(smoothWindow)),
    maxStages: opts.maxStages ?? 48,
  });
  const day = shape === 'day' && daily !== null;
  const ys = day ? daily.hourlyRps : curve.smoothRps;
  const ws = day ? new Array<number>(24).fill(3600) : curve.durationsS;
  const so = segOpts(meanRps, day ? daily.exposureS.reduce((a, b) => a + b, 0) / 24 : curve.intervalS);
  const stages = curveToStages(ws, ys, so).stages;
  const toleranceRps = so.toleranceRps;
  let t = 0;
  const fitted = ws.map((d) => rateAtRps({ stages }, ((t += d) - d / 2) * 1000));
  const stagesCorrelation = pearson(ys, fitted);
  const sq = ys.reduce((acc, y, i) => acc + (ws[i] as number) * (y - (fitted[i] as number)) ** 2, 0);
  const stagesError = Math.sqrt(sq / ws.reduce((a, b) => a + b, 0)) / (meanRps || 1);
  const endpoints = agg.result();
  const maxEndpoints = opts.maxEndpoints ?? 20;
  const scenarioEndpoints = endpoints.templates.slice(0, maxEndpoints);
  const result: FitResult = {
    file, log: reader.stats, filtered: filter.counts, requests: bins.total, firstMs: bins.firstMs, lastMs: bins.lastMs, offsetMin,
    curve, meanRps, peakRps, stages, stagesCorrelation, stagesError, toleranceRps, shape, daily, dispersion: disp,
    endpoints, scenarioEndpoints, zipf: chooseZipf(endpoints), warnings: [],
  };
  result.warnings = fitWarnings(result);
  return result;
};

const pct = (x: number): string => fmtPct(x, x < 0.1 ? 1 : 0);

/** Things a user should know before trusting the fit. */
export const fitWarnings = (f: FitResult): string[] => {
  const w: string[] = [];
  if (f.log.malformed > 0) {
    w.push(`${f.log.malformed} line${f.log.malformed === 1 ? '' : 's'} did not parse (first at line ${f.log.malformedSamples.map((s) => s.line).join(', ')}); they are not in the fit`);
  }
  const d = f.dispersion;
  if (d !== null && d.index > BURSTY_INDEX) {
    w.push(`requests come in bursts: per-${d.granularityS === 60 ? 'minute' : 'second'} dispersion index ${d.index.toFixed(0)} (Poisson ≈ 1); ` +
      `${pct(d.activeFraction)} of ${d.granularityS === 60 ? 'minutes' : 'seconds'} hold requests where Poisson arrivals at these rates would fill ${pct(d.expectedActiveFraction)}. ` +
      'The log may be sampled (e.g. one minute per hour); the profile spreads each interval\'s requests as Poisson arrivals.');
  }
  if (f.daily !== null && !f.daily.cycle) {
    w.push(`no daily cycle: the hours of the day differ by ${f.daily.peakToTrough.toFixed(2)}x peak/trough` +
      ` (chi-square p ${pText(f.daily.pValue)}${f.daily.dayCorrelation === null ? '' : `, day-to-day correlation ${f.daily.dayCorrelation.toFixed(2)}`}), within noise`);
  }
  const shown = f.scenarioEndpoints.reduce((s, t) => s + t.requests, 0);
  if (f.endpoints.templates.length > f.scenarioEndpoints.length) {
    w.push(`the scenario keeps the ${f.scenarioEndpoints.length} most requested of ${f.endpoints.templates.length} endpoint templates (${pct(shown / f.requests)} of requests); raise --max-endpoints for more`);
  }
  if (f.endpoints.otherRequests > 0) w.push(`${f.endpoints.otherRequests} requests fell beyond the template limit and are counted as other`);
  if (f.endpoints.overflow) w.push('too many distinct ids to count them all: popularity fits cover the values seen first');
  if (f.zipf !== null && f.zipf.fit.quality === 'poor') w.push(`the Zipf fit of ${f.zipf.placeholder} popularity is poor (KS ${f.zipf.fit.ks.toFixed(3)}): the exponent is a rough summary`);
  return w;
};
