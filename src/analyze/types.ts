/**
 * report.json (docs/design.md "report.json", docs/report.schema.json, version 1).
 * The stable fields are listed in docs/design.md; more are welcome, none renamed.
 * The extra sections (verdict, slo, diagnosis, endpoint_timeline, error_timeline, latency_distribution, tenant_class_timeline, pool,
 * analysis) are documented in docs/report.md.
 */
import type { SloResult } from './slo.js';
import type { ReportBreak } from './breaks.js';
import type { LatencyDistribution, TenantClassTimeline } from './charts.js';

export type { BreakKind, ReportBreak } from './breaks.js';

/** The run's verdict (report.json `verdict`). */
export interface Verdict {
  status: 'pass' | 'degraded' | 'fail';
  /** One or two sentences. */
  text: string;
  /** Caveats about the run itself. */
  notes: string[];
}


/** The diagnosis steps, in order (analyze/diagnosis.ts builds them). */
export const DIAGNOSIS_STEPS = ['degraded', 'slow-queries', 'pool', 'events', 'plans'] as const;
export type StepId = (typeof DIAGNOSIS_STEPS)[number];

/** One step's finding (report.json `diagnosis[]`). */
export interface DiagnosisStep {
  step: number;
  id: StepId;
  title: string;
  /** `found`: something to act on; `nothing`: looked, all fine; `not-observed`: the data was not collected. */
  status: 'found' | 'nothing' | 'not-observed';
  summary: string;
  details: unknown[];
  /** For `not-observed`: what to turn on. */
  how_to_enable: string | null;
}

export interface ReportSummary {
  requests: number;
  errors: number;
  dropped: number;
  duration_s: number;
  offered_rps: number;
  achieved_rps: number;
  /** Requests given up at a stop (error class `aborted`, also in `errors`); absent in reports written before it was counted. */
  aborted?: number;
  /** The run stopped before its planned end (Ctrl-C, SIGTERM, the target stopped answering), and why. */
  interrupted?: boolean;
  interrupt_reason?: string | null;
  [key: string]: unknown;
}

export interface ReportEndpoint {
  name: string;
  requests: number;
  errors: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
  [key: string]: unknown;
}

export interface ReportTimelineRow {
  t_s: number;
  /** `t_s` on the profile clock, when the run's profile has one. */
  clock?: string;
  offered_rps: number;
  achieved_rps: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  errors: number;
  [key: string]: unknown;
}

export interface ReportEvent {
  t_s: number;
  /** `t_s` on the profile clock, when the run's profile has one. */
  clock?: string;
  action: string;
  ok: boolean;
  [key: string]: unknown;
}

export interface ReportTenant {
  tenant: string;
  rows: number | null;
  /** Whole-run requests and latency. */
  requests: number;
  p99_ms: number | null;
  /** Latency over the tenant's windows outside saturation and cold spans (the biggest tenants, on a run that had such spans), else null. */
  healthy?: { requests: number; p50_ms: number | null; p99_ms: number | null } | null;
  [key: string]: unknown;
}

export interface Report {
  version: 1;
  target: string | null;
  scenario: string | null;
  profile: string | null;
  /** The run's span on the profile clock (`05:00–12:00`: start to planned end), when its profile has one. */
  profile_clock?: string;
  summary: ReportSummary;
  endpoints: ReportEndpoint[];
  timeline: ReportTimelineRow[];
  events: ReportEvent[];
  tenants: { slowest: ReportTenant[]; [key: string]: unknown };
  breaks: ReportBreak[];
  verdict: Verdict;
  slo: SloResult[];
  diagnosis: DiagnosisStep[];
  /** Per endpoint, columnar per-second series (same seconds as `timeline`). */
  endpoint_timeline: Record<string, ReportEndpointTimeline | null>;
  pool: ReportPool;
  /** Errors per second by error class (the classes that occurred), same seconds as `timeline`. */
  error_timeline?: Partial<Record<string, number[]>>;
  /** The whole run's latency at percentiles evenly spaced on 1/(1 − p), overall and per endpoint (HDR percentile plot). */
  latency_distribution?: LatencyDistribution;
  /** p99 per tenant size class over bins of seconds, all endpoints together and per endpoint. */
  tenant_class_timeline?: TenantClassTimeline;
  [key: string]: unknown;
}

export interface ReportEndpointTimeline {
  offered_rps: number[];
  achieved_rps: number[];
  p50_ms: (number | null)[];
  p95_ms: (number | null)[];
  p99_ms: (number | null)[];
  errors: number[];
}

export interface ReportPool {
  status: 'gauges' | 'no-gauges' | 'no-scrapes';
  note: string;
  gauges: { in_use?: string; waiting?: string; size?: string } | null;
  maxima: { maxWaiting: number | null; maxInUse: number | null; size: number | null } | null;
  episodes: unknown[];
  timeline: { t_s: number; in_use: number | null; waiting: number | null; size: number | null }[];
}
