/**
 * report.json (DESIGN.md "report.json", shared/report.schema.json, version 1).
 * The stable fields are listed in DESIGN.md; more are welcome, none renamed.
 */

export type BreakKind = 'saturation' | 'pool-saturation' | 'data-skew' | 'cold-cache' | 'plan-regression' | 'errors';

export interface ReportSummary {
  requests: number;
  errors: number;
  dropped: number;
  duration_s: number;
  offered_rps: number;
  achieved_rps: number;
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
  action: string;
  ok: boolean;
  [key: string]: unknown;
}

export interface ReportTenant {
  tenant: string;
  rows: number | null;
  requests: number;
  p99_ms: number | null;
  [key: string]: unknown;
}

export interface ReportBreak {
  kind: BreakKind;
  endpoint: string | null;
  t_s: number | null;
  offered_rps?: number | null;
  summary: string;
  evidence: Record<string, unknown>;
}

export interface Report {
  version: 1;
  target: string | null;
  scenario: string | null;
  profile: string | null;
  summary: ReportSummary;
  endpoints: ReportEndpoint[];
  timeline: ReportTimelineRow[];
  events: ReportEvent[];
  tenants: { slowest: ReportTenant[]; [key: string]: unknown };
  breaks: ReportBreak[];
  [key: string]: unknown;
}
