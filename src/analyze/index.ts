/**
 * The analyze stage's public face: a run directory in, report.json out
 * (docs/design.md "report.json", docs/report.schema.json). The stable fields
 * are there as the contract says; the rest (verdict, slo, diagnosis,
 * endpoint_timeline, error_timeline, latency_distribution, tenant_class_timeline, pool, analysis) is documented in docs/report.md.
 */
import { redactDeep } from '../core/secrets.js';
import { RUN_FILES } from '../run/format.js';
import { buildErrorTimeline, buildLatencyDistribution, buildTenantClassTimeline } from './charts.js';
import { buildContext } from './context.js';
import { runDetectors } from './detect/index.js';
import { healthyRange } from './detect/skew.js';
import { buildDiagnosis, type AnalysisExtension, type ExtensionResult } from './diagnosis.js';
import { mergeSparse } from './hist.js';
import { loadRun, type LoadedRun } from './load.js';
import { parseSlos, type SloSpec } from '../scenario/slo.js';
import { evaluateSlo } from './slo.js';
import { buildEndpointTimeline, buildEndpoints, buildEvents, buildSummary, buildTimeline, slowestTenants } from './summary.js';
import { DEFAULT_THRESHOLDS, type Thresholds } from './thresholds.js';
import type { Report, ReportBreak } from './types.js';
import { buildVerdict } from './verdict.js';
import { clockSpan, withClockFields } from './clock.js';
import { timelineLength } from './load.js';
import { sum } from './util.js';

export type { Report, ReportBreak, BreakKind } from './types.js';
export type { ClassTimeline, LatencyDistribution, TenantClassTimeline } from './charts.js';
export type { SloResult, SloSpec } from './slo.js';
export type { Verdict } from './verdict.js';
export type { AnalysisExtension, DiagnosisInput, DiagnosisStep, ExtensionResult, StepId } from './diagnosis.js';
export { loadRun, type LoadedRun } from './load.js';
export { parseSlo, parseSlos } from '../scenario/slo.js';
export { DEFAULT_THRESHOLDS, type Thresholds } from './thresholds.js';
export { breakLabel } from './verdict.js';
export { fmtAt, fmtAtClock, CLOCK_FIELDS } from './clock.js';
export { compareReports, type Comparison, type CompareOptions, type PercentileDelta } from './compare.js';

export interface AnalyzeOptions {
  /**
   * SLO specs (from `report --slo`) that replace those recorded in the run (so a run directory whose
   * run.json holds a bad spec can still be reported); none given: the run's own.
   */
  slo?: string[];
  /** Threshold overrides (tests, experiments). */
  thresholds?: Partial<Thresholds>;
  /**
   * Analysis extensions run after the built-in detectors [none]: each reads its own files from the run
   * directory and may fill diagnosis steps, add breaks and report sections. The use cases (src/app/)
   * pass the observe stage's; the analyze stage knows none by name.
   */
  extensions?: AnalysisExtension[];
  /** Where warnings about tolerated damage in the run directory go (a torn last line) [nowhere]. */
  onWarning?: (message: string) => void;
}

/**
 * The SLO specs in force: `--slo`'s when given (they replace run.json's), else run.json's; bad specs and
 * unknown endpoints are input errors.
 */
export const slosOf = (run: LoadedRun, override: string[] = []): SloSpec[] =>
  parseSlos(override.length > 0
    ? override.map((text) => ({ text, source: { file: null, field: '--slo' } }))
    : run.meta.slo.map((text, i) => ({ text, source: { file: `${run.dir}/${RUN_FILES.meta}`, field: `slo[${i}]` } })),
  [...new Set([...run.meta.endpoints, ...run.windows.map((w) => w.endpoint)])]);

interface Prepared {
  run: LoadedRun;
  t: Thresholds;
  slos: SloSpec[];
  ctx: ReturnType<typeof buildContext>;
  det: ReturnType<typeof runDetectors>;
}

/** Series, bins and detectors: everything but the extensions. */
const prepare = (run: LoadedRun, opts: AnalyzeOptions): Prepared => {
  const t: Thresholds = { ...DEFAULT_THRESHOLDS, ...opts.thresholds };
  const slos = slosOf(run, opts.slo);
  const ctx = buildContext(run, timelineLength(run), slos, t);
  return { run, t, slos, ctx, det: runDetectors(ctx) };
};

/** Builds report.json from a loaded run and extension results. Pure. */
export const analyzeRun = (run: LoadedRun, opts: AnalyzeOptions = {}, ext: ExtensionResult[] = []): Report =>
  assemble(prepare(run, opts), ext);

const assemble = ({ run, t, slos, ctx, det }: Prepared, ext: ExtensionResult[]): Report => {
  const clock = run.clock ?? null;
  const breaks: ReportBreak[] = withClockFields([...det.breaks, ...ext.flatMap((x) => x.breaks ?? [])], clock);
  const profileClock = clockSpan(clock, run.meta.planned_duration_s);
  const summary = buildSummary(ctx);
  const sloResults = slos.map((s) => {
    const series = s.endpoint === null ? ctx.series.overall : ctx.series.byEndpoint.get(s.endpoint);
    return evaluateSlo(s, {
      lat: mergeSparse(series?.lat ?? []),
      completed: sum(series?.completed ?? []),
      errors: sum(series?.errors ?? []),
      offered: sum(series?.offered ?? []),
      dropped: sum(series?.dropped ?? []),
    });
  });
  const lowSamples = ctx.overall.choice.lowSamples;
  const sections = Object.assign({}, ...ext.map((x) => x.sections ?? {})) as Record<string, unknown>;
  const endpointTimeline = Object.fromEntries(ctx.series.endpoints.map((e) => {
    const s = ctx.series.byEndpoint.get(e);
    return [e, s === undefined ? null : buildEndpointTimeline(s)];
  }));
  const endpoints = buildEndpoints(ctx).map((e) => {
    const sat = det.saturation.endpoints.find((r) => r.endpoint === e.name);
    return { ...e, knee_rps: sat?.knee?.offeredRps ?? null, saturation_rps: sat?.break?.offeredRps ?? null };
  });
  return redactDeep({
    version: 1,
    target: run.meta.target,
    scenario: run.meta.scenario,
    profile: run.meta.profile,
    ...(profileClock === null ? {} : { profile_clock: profileClock }),
    verdict: buildVerdict(sloResults, breaks, summary, run.meta, t, lowSamples),
    run: {
      tool: run.meta.tool, started_at_ms: run.meta.started_at_ms, planned_duration_s: run.meta.planned_duration_s,
      seed: run.meta.seed, speed: run.meta.speed, rate_scale: run.meta.rate_scale, arrival: run.meta.arrival,
      workers: run.meta.workers, connections: run.meta.connections, max_inflight: run.meta.max_inflight,
      interrupted: run.meta.interrupted, interrupt_reason: run.meta.interrupt_reason, lag_ms: run.meta.lag_ms,
    },
    summary,
    endpoints,
    timeline: withClockFields(buildTimeline(ctx), clock),
    events: withClockFields(buildEvents(run.events), clock),
    tenants: { slowest: slowestTenants(run.tenants, 10, t.tenantMinRequests, det.unhealthy.length > 0 ? healthyRange(det.unhealthy, ctx.length) : null), by_class: det.byClass },
    breaks,
    slo: sloResults,
    diagnosis: buildDiagnosis(run, breaks, det, ext),
    endpoint_timeline: endpointTimeline,
    error_timeline: buildErrorTimeline(ctx.series.overall),
    latency_distribution: buildLatencyDistribution(ctx.series),
    tenant_class_timeline: buildTenantClassTimeline(ctx.series, t),
    pool: { status: det.pool.status, note: det.pool.note, gauges: det.pool.gauges, maxima: det.pool.maxima, episodes: withClockFields(det.pool.episodes, clock), timeline: withClockFields(det.pool.timeline, clock) },
    analysis: {
      thresholds: t,
      bins: {
        overall: { bin_s: ctx.overall.choice.binS, median_samples: ctx.overall.choice.medianSamples, low_samples: ctx.overall.choice.lowSamples },
        endpoints: Object.fromEntries([...ctx.endpoints].map(([e, bs]) => [e, { bin_s: bs.choice.binS, median_samples: bs.choice.medianSamples, low_samples: bs.choice.lowSamples }])),
      },
      saturation: det.saturation,
      cold_cache: det.coldCache,
      skew: det.skew,
    },
    ...sections,
  });
};

/** Loads a run directory, runs the extensions (they read their own files) and analyses it. */
export const analyzeRunDir = async (dir: string, opts: AnalyzeOptions = {}): Promise<Report> => {
  const run = await loadRun(dir, opts.onWarning);
  const prepared = prepare(run, opts);
  const extensions = opts.extensions ?? [];
  const results = await Promise.all(extensions.map(async (x) => x.analyze({ run, degraded: prepared.det.degraded, breaks: prepared.det.breaks })));
  return assemble(prepared, results);
};
