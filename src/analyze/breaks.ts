/**
 * report.json `breaks[]`: one member of a discriminated union per break kind,
 * each with its own typed evidence. The detectors (analyze/detect/, and the
 * observers' plan-regression finding) build these; readers narrow on `kind`
 * before they read evidence, so a renamed field fails the build, not a
 * user's dashboard. test/analyze/report-contract.test.ts checks these
 * interfaces against docs/report.schema.json (one source of truth: the
 * schema's required evidence fields must be required here).
 *
 * Units are in the names: `_ms` milliseconds, `_s` seconds since the run's
 * start, `_rps` requests per second; ratios and rates are plain numbers.
 */
import type { PoolGauges } from '../scenario/scenario.js';
import type { ErrorClass } from '../run/format.js';
import type { Span } from './span.js';

/** The saturation rules: p99 over its threshold, achieved behind offered, errors over their rate. */
export type SaturationRule = 'latency' | 'throughput' | 'errors';

/** What every break has; `evidence` is the kind's own. */
interface BreakOf<K extends string, E> {
  kind: K;
  /** The endpoint that broke, or null for the run as a whole (or several endpoints). */
  endpoint: string | null;
  /** When it broke, s since the start; null for a whole-run finding (data skew). */
  t_s: number | null;
  /** `t_s` on the profile clock ("09:12"), when the run's profile has one (analyze/clock.ts). */
  clock?: string;
  /** The offered rate when it broke, requests/s (null where no rate applies). */
  offered_rps?: number | null;
  /** One or two sentences: what, when, what to do. */
  summary: string;
  evidence: E;
}

/** One endpoint of a saturation that several endpoints reached together. */
export interface SaturationMember {
  endpoint: string | null;
  t_s: number | null;
  offered_rps: number | null;
  p99_before_ms: number | null;
  p99_after_ms: number | null;
  rules: SaturationRule[];
}

export interface SaturationEvidence {
  p99_before_ms: number | null;
  p99_after_ms: number | null;
  /** The rules that fired: latency over the threshold, throughput behind offered, errors. */
  rules: SaturationRule[];
  threshold_ms: number | null;
  threshold_source: 'slo' | 'derived' | 'none';
  baseline_p99_ms: number | null;
  endpoint_offered_rps: number | null;
  achieved_rps: number | null;
  error_rate_after: number | null;
  knee_rps: number | null;
  knee_p99_ms: number | null;
  /** When it recovered, s (null: not before the run ended). */
  until_s: number | null;
  breaking_bins: number;
  judged_bins: number;
  bin_s: number;
  low_samples: boolean;
  queueing: 'likely' | 'not seen';
  achieved_plateau_rps: number | null;
  p99_growth_x: number | null;
  pool: { size: number | null; max_waiting: number; from_s: number | null } | null;
  /** Present when several endpoints broke together. */
  endpoints?: SaturationMember[];
}

export interface PoolEpisodeEvidence {
  from_s: number | null;
  to_s: number | null;
  scrapes: number;
  max_waiting: number;
  max_in_use: number | null;
  size: number | null;
  aligned_with: string;
}

export interface PoolSaturationEvidence {
  pool_size: number | null;
  max_waiting: number;
  max_in_use: number | null;
  first_waiting_s: number | null;
  episodes: PoolEpisodeEvidence[];
  saturated_scrapes: number;
  gauges: PoolGauges | null;
}

export interface SkewTenantEvidence {
  tenant: string;
  rows: number | null;
  /** Requests behind p50/p99: in the healthy windows, or the whole run (`latency_over`). */
  requests: number;
  p50_ms: number | null;
  p99_ms: number | null;
  /** `healthy`: over the tenant's windows outside saturation and cold spans; `whole-run` where it has none (or the run had no unhealthy span). */
  latency_over: 'healthy' | 'whole-run';
  tenant_class: string;
}

export interface DataSkewEvidence {
  /** `big`: the biggest tenants are slow; `small`: the smallest are. */
  end: 'big' | 'small';
  /** The tenant size class(es) compared with the median class, e.g. `top1` or `top1+top10`. */
  class: string;
  tenants: SkewTenantEvidence[];
  big_p99_ms: number | null;
  class_p99_ms: number | null;
  median_p99_ms: number | null;
  ratio: number | null;
  p50_ms: number | null;
  median_p50_ms: number | null;
  p50_ratio: number | null;
  samples: number;
  median_samples: number;
  requests_above_median_p99: number;
  p_value: number | null;
  confidence: 'high' | 'low' | 'insufficient';
  confidence_note: string | null;
  spearman_rows_p99: number | null;
}

export interface ColdCacheEndpointEvidence {
  endpoint: string | null;
  window_s: number | null;
  cold_p99_ms: number | null;
  warm_p99_ms: number | null;
  ratio: number | null;
}

export interface ColdCacheEvidence {
  /** The event (deploy, restart, …) the cold window follows. */
  event: string;
  event_ok: boolean;
  window_s: number | null;
  start_s: number | null;
  end_s: number | null;
  recovered: boolean;
  /** The next event that ended the judgement while p99 was still elevated (e.g. `migrate at 20 s`), else null. */
  cut_by: string | null;
  cold_p99_ms: number | null;
  warm_p99_ms: number | null;
  ratio: number | null;
  peak_p99_ms: number | null;
  baseline_p99_ms: number | null;
  recovered_p99_ms: number | null;
  recovery_rule: string;
  elevated_bins: number | null;
  judged_bins: number | null;
  background_elevated_rate: number | null;
  bin_p_value: number | null;
  bin_s: number;
  cold_requests: number;
  requests_above_2x: number;
  p_value: number | null;
  endpoints: ColdCacheEndpointEvidence[];
}

/** One thing in a plan worth a person's attention. */
export interface PlanFlag {
  kind: 'estimate' | 'seq-scan' | 'filter';
  /** The node, e.g. `Seq Scan on orders`. */
  node: string;
  /** One sentence, e.g. `estimated 265 rows, got 34,848 (131x)`. */
  message: string;
}

export interface PlanBucketEvidence {
  bucket: string;
  tenant: string | null;
  tenant_rows: number | null;
  before: string | null;
  after: string | null;
  before_ms: number | null;
  after_ms: number | null;
  before_rows_examined: number | null;
  after_rows_examined: number | null;
  /** True: slower; false: not slower; null: not measured. */
  slower: boolean | null;
}

export interface PlanRegressionEvidence {
  /** The critical query's name (scenario `plans:`). */
  query: string;
  /** Plan shapes (`Limit → Index Scan using … on orders`) before and after. */
  before: string | null;
  after: string | null;
  before_fingerprint: string | null;
  after_fingerprint: string | null;
  before_tree: string[] | null;
  after_tree: string[] | null;
  before_ms: number | null;
  after_ms: number | null;
  before_rows_examined: number | null;
  after_rows_examined: number | null;
  before_blocks: number | null;
  after_blocks: number | null;
  after_flags: PlanFlag[];
  /** The event the change followed, if any. */
  event: { action: string; t_s: number } | null;
  last_before_s: number;
  first_after_s: number;
  buckets: PlanBucketEvidence[];
}

export interface ErrorsEvidence {
  start_s: number;
  end_s: number;
  duration_s: number;
  errors: number;
  requests: number;
  error_rate: number | null;
  peak_rate: number | null;
  classes: Partial<Record<ErrorClass, number>>;
  endpoints: string[];
  events: { t_s: number; action: string; ok: boolean }[];
}

export type SaturationBreak = BreakOf<'saturation', SaturationEvidence>;
export type PoolSaturationBreak = BreakOf<'pool-saturation', PoolSaturationEvidence>;
export type DataSkewBreak = BreakOf<'data-skew', DataSkewEvidence>;
export type ColdCacheBreak = BreakOf<'cold-cache', ColdCacheEvidence>;
export type PlanRegressionBreak = BreakOf<'plan-regression', PlanRegressionEvidence>;
export type ErrorsBreak = BreakOf<'errors', ErrorsEvidence>;

/** A break in report.json: narrow on `kind` to read its evidence. */
export type ReportBreak = SaturationBreak | PoolSaturationBreak | DataSkewBreak | ColdCacheBreak | PlanRegressionBreak | ErrorsBreak;
export type BreakKind = ReportBreak['kind'];

/** Every break kind, in the order the schema lists them. */
export const BREAK_KINDS = ['saturation', 'pool-saturation', 'data-skew', 'cold-cache', 'plan-regression', 'errors'] as const satisfies readonly BreakKind[];

/** The break of kind `k` among `breaks`, narrowed. */
export const breaksOfKind = <K extends BreakKind>(breaks: readonly ReportBreak[], k: K): Extract<ReportBreak, { kind: K }>[] =>
  breaks.filter((b): b is Extract<ReportBreak, { kind: K }> => b.kind === k);

/** The time span a cold-cache or errors break covers, s. */
export const breakSpanS = (b: ColdCacheBreak | ErrorsBreak): Span => ({ fromS: b.evidence.start_s ?? 0, toS: b.evidence.end_s ?? 0 });
