/**
 * The run directory: the boundary between the engine (and the k6 importer,
 * and the observers) that write it and the analysis that reads it. A report
 * can always be recomputed from these files (`prodshape report DIR`).
 *
 *   run.json            RunMeta: what ran, against what, when, with which inputs
 *   scenario.yaml       the scenario's text as loaded (`${VARS}` unexpanded: no secrets)
 *   profile.yaml        the profile's text as loaded; the transforms applied are in run.json
 *   windows.ndjson      WindowRecord lines: one per (second, endpoint, tenant class) with activity
 *   tenants.ndjson      TenantRecord lines: whole-run histograms for the tenants tracked
 *                       (the biggest also per window of TENANT_WINDOW_S seconds)
 *   events.ndjson       EventRecord lines: one per profile event fired
 *   metrics.ndjson      ScrapeRecord lines: one per Prometheus scrape (observe stage)
 *   promql.ndjson       ScrapeRecord lines: one per query_range step read from a
 *                       Prometheus server (observe stage); read together with metrics.ndjson
 *   report.json         the analysis (docs/design.md "report.json"; docs/report.schema.json)
 *   report.html         the rendered report
 *   requests.ndjson     optional (--log-requests): RequestRecord lines
 *
 * The observe stage adds its own files (PostgreSQL activity, statements, plans);
 * their formats are documented beside the code that writes them.
 *
 * Time: `t_s` is whole seconds since the run's start (window [t_s, t_s + 1)).
 * Requests are attributed to the window of their **intended** send time, so a
 * window's latency is what the arrivals of that second experienced (no
 * coordinated omission); `completed_in_window` counts responses by their
 * **completion** time, which is what achieved throughput means.
 */

/** Version of the run-directory layout; bump on incompatible change. */
export const RUN_FORMAT_VERSION = 1;

export const RUN_FILES = {
  meta: 'run.json',
  scenario: 'scenario.yaml',
  profile: 'profile.yaml',
  windows: 'windows.ndjson',
  tenants: 'tenants.ndjson',
  events: 'events.ndjson',
  metrics: 'metrics.ndjson',
  requests: 'requests.ndjson',
  report: 'report.json',
  html: 'report.html',
} as const;

/**
 * The observe stage's files beside them (their records are described in
 * src/observe/files.ts); named here so that the run directory's whole file
 * list is one fact of the run format (a `--force` run removes all of them).
 */
export const OBSERVE_FILES = {
  metrics: 'metrics.ndjson',
  /** The same records as metrics.ndjson, read from a Prometheus server with query_range (`observe.prometheus_server`). */
  promql: 'promql.ndjson',
  activity: 'pg-activity.ndjson',
  statements: 'pg-statements.ndjson',
  plans: 'pg-plans.ndjson',
  log: 'pg-log.ndjson',
  meta: 'observe.json',
} as const;

/**
 * Tenant-size classes by rank of row count among tenants:
 * `top1` the largest 1% (at least one tenant), `top10` the next ones up to 10%,
 * `rest` the others with rows, `empty` tenants with zero rows, `none` requests
 * that name no tenant.
 */
export const TENANT_CLASSES = ['top1', 'top10', 'rest', 'empty', 'none'] as const;
export type TenantClass = (typeof TENANT_CLASSES)[number];

/**
 * Error classes: what a failed request ran into. `aborted`: the run was
 * stopped (Ctrl-C, SIGTERM, a dead target) while the request was still waiting
 * for its answer; its latency runs from its intended time to the moment it was
 * given up (the end of the grace period).
 */
export const ERROR_CLASSES = ['connect', 'reset', 'timeout', '4xx', '5xx', 'other', 'aborted'] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

export interface RunMeta {
  format: typeof RUN_FORMAT_VERSION;
  tool: { name: 'prodshape' | 'k6'; version: string };
  /** Target base URL (credentials stripped), or null. */
  target: string | null;
  scenario: string | null;
  profile: string | null;
  /** Wall-clock start (epoch ms) of the run's time zero. */
  started_at_ms: number;
  /** Planned length (after transforms) and measured length, seconds. */
  planned_duration_s: number;
  duration_s: number;
  seed: number | string;
  /** Transforms applied to the profile. */
  speed: number;
  rate_scale: number;
  arrival: 'poisson' | 'constant' | 'log' | 'k6';
  endpoints: string[];
  /** SLO specs in force (from the scenario and `--slo`). */
  slo: string[];
  workers: number;
  connections: number;
  max_inflight: number | null;
  /**
   * True when the run stopped before its planned end (Ctrl-C, SIGTERM, the target stopped answering);
   * the files hold everything sent, requests abandoned at the stop included (error class `aborted`).
   */
  interrupted: boolean;
  interrupt_reason: string | null;
  /** Generator health: schedule lag percentiles over the run, ms. */
  lag_ms: { p50: number | null; p99: number | null; max: number | null };
  /**
   * True when the schedule lag p99 exceeded a few ms: the load generator, not
   * the target, was the bottleneck, and latencies are not trustworthy. Optional
   * (absent in runs from other sources).
   */
  generator_limited?: boolean;
  /** Free-form extras (log source, k6 instances, dataset path, …). */
  extra?: Record<string, unknown>;
}

export interface WindowRecord {
  t_s: number;
  endpoint: string;
  tenant_class: TenantClass;
  /** Arrivals whose intended time fell in this second (sent + dropped). */
  offered: number;
  /** Of those, sent. */
  sent: number;
  /** Of those, not sent: the in-flight cap was reached (k6's dropped_iterations). */
  dropped: number;
  /** Of those sent, finished (any outcome, `aborted` at a stop included). */
  completed: number;
  /** Of those completed, failed, by class. Only non-zero classes appear. */
  errors: Partial<Record<ErrorClass, number>>;
  /** Responses whose completion time fell in this second (all outcomes), for achieved throughput. */
  completed_in_window: number;
  /** Successful responses whose completion time fell in this second. */
  ok_in_window: number;
  /** Latency from the intended send time, µs, all completed requests (encoded HDR). */
  latency: string;
  /** Service time from the actual send, µs (encoded HDR); optional. */
  service?: string;
  /** Schedule lag (actual − intended send), µs (encoded HDR); optional. */
  lag?: string;
}

export interface TenantRecord {
  tenant: string;
  /** Rows in the dataset's per-tenant table, or null when unknown. */
  rows: number | null;
  tenant_class: TenantClass;
  endpoint: string;
  requests: number;
  errors: number;
  /** Latency from intended time, µs (encoded HDR). */
  latency: string;
  /**
   * The same requests per window of `TENANT_WINDOW_S` seconds (by intended
   * time), for the biggest tenants tracked only (absent for the others and in
   * older run directories): the analysis quotes such a tenant's latency over
   * the healthy seconds, not the saturated ones. Windows with no request are left out.
   */
  windows?: TenantWindow[];
}

/** Width of a tenant window, seconds: windows start at multiples of it. */
export const TENANT_WINDOW_S = 10;

/** One tenant's requests to one endpoint in the window [t_s, t_s + TENANT_WINDOW_S). */
export interface TenantWindow {
  t_s: number;
  requests: number;
  errors: number;
  /** Latency from intended time, µs (encoded HDR). */
  latency: string;
}

export interface EventRecord {
  /** Intended time, seconds since start (fractional). */
  t_s: number;
  action: string;
  kind: 'http' | 'run' | 'missing';
  /** Actual start and end, ms since the run's start. */
  start_ms: number;
  end_ms: number;
  ok: boolean;
  /** HTTP status or process exit code, when there was one. */
  status: number | null;
  /** First few KB of the response body or process output, redacted. */
  output: string;
  error: string | null;
}

export interface ScrapeRecord {
  /** Seconds since start (fractional) when the scrape was taken. */
  t_s: number;
  ok: boolean;
  error: string | null;
  /** Series kept: `name` or `name{label="v",…}` → value. */
  values: Record<string, number>;
}

export interface RequestRecord {
  intended_ms: number;
  sent_ms: number | null;
  latency_ms: number | null;
  service_ms: number | null;
  status: number | null;
  error: ErrorClass | null;
  endpoint: string;
  tenant: string | null;
  /** True when the in-flight cap turned the arrival away (never sent). */
  dropped?: boolean;
}
