/**
 * A run's own per-second numbers as Prometheus series (`replay
 * --out-prometheus URL`), from the report's timelines (what the analysis read
 * from windows.ndjson): per endpoint, and for all endpoints as
 * `endpoint="*"` (no endpoint name can hold `*`),
 *
 *   prodshape_offered_rps      arrivals intended in the second
 *   prodshape_achieved_rps     responses completed in the second
 *   prodshape_errors           failed requests of the second's arrivals
 *   prodshape_latency_ms       quantile="0.5" | "0.95" | "0.99", from the intended send time
 *
 * per tenant size class (`tenant_class` = top1, top10, rest, empty: the
 * report's charted classes), per endpoint and for all endpoints, from the
 * analysis's per-second series of the windows,
 *
 *   prodshape_class_requests   responses among the second's arrivals of the class
 *   prodshape_class_errors     failed requests among them
 *   prodshape_class_latency_ms quantile="0.5" | "0.95" | "0.99"
 *
 * and the report's breaks as annotations: `prodshape_break{kind, endpoint,
 * summary}` is 1 at the break's start and 0 one second later (a whole-run
 * finding, data skew, at time zero), which a Grafana annotation query on
 * `prodshape_break` shows as a mark at the break with its summary.
 *
 * Each sample is at the start of its second (the run's time zero + t_s),
 * labelled with `run` (the run directory's name) and `scenario`. A second
 * without responses has no latency samples. Pure.
 */
import type { Report } from '../analyze/index.js';
import { CHARTED_CLASSES } from '../analyze/charts.js';
import { latencyStats, mergeSparse } from '../analyze/hist.js';
import type { RunSeries, Series } from '../analyze/series.js';
import type { WriteSeries } from './remote-write.js';

export interface RunLabels {
  /** Epoch ms of the run's time zero (run.json `started_at_ms`). */
  startedAtMs: number;
  run: string;
  scenario: string;
}

/** The columns of one endpoint (or all of them), as the report holds them. */
interface Columns {
  t_s: number[];
  offered_rps: number[];
  achieved_rps: number[];
  errors: number[];
  p50_ms: (number | null)[];
  p95_ms: (number | null)[];
  p99_ms: (number | null)[];
}

const QUANTILES = [['0.5', 'p50_ms'], ['0.95', 'p95_ms'], ['0.99', 'p99_ms']] as const;

/** A series maker for one label set: `at(i)` is the epoch ms of value i; null and non-finite values are left out. */
const seriesMaker = (base: Record<string, string>, at: (i: number) => number) =>
  (name: string, values: readonly (number | null)[], extra: Record<string, string> = {}): WriteSeries => ({
    labels: { __name__: name, ...base, ...extra },
    samples: values.flatMap((v, i): Array<[number, number]> => (v === null || !Number.isFinite(v) ? [] : [[at(i), v]])),
  });

const columnsSeries = (endpoint: string, c: Columns, l: RunLabels): WriteSeries[] => {
  const series = seriesMaker({ endpoint, run: l.run, scenario: l.scenario }, (i) => Math.round(l.startedAtMs + (c.t_s[i] ?? i) * 1000));
  return [
    series('prodshape_offered_rps', c.offered_rps),
    series('prodshape_achieved_rps', c.achieved_rps),
    series('prodshape_errors', c.errors),
    ...QUANTILES.map(([q, k]) => series('prodshape_latency_ms', c[k], { quantile: q })),
  ].filter((s) => s.samples.length > 0);
};

/** A class's per-second counts and latency over several endpoints (summed, histograms merged). */
const mergedClass = (parts: readonly Pick<Series, 'completed' | 'errors' | 'lat'>[], length: number): Pick<Series, 'completed' | 'errors' | 'lat'> => ({
  completed: Array.from({ length }, (_, t) => parts.reduce((a, p) => a + (p.completed[t] ?? 0), 0)),
  errors: Array.from({ length }, (_, t) => parts.reduce((a, p) => a + (p.errors[t] ?? 0), 0)),
  lat: Array.from({ length }, (_, t) => mergeSparse(parts.map((p) => p.lat[t]).filter((x) => x !== undefined))),
});

/** One class of one view (an endpoint, or `*`) as series: requests, errors and p50/p95/p99 per second. */
const oneClassSeries = (endpoint: string, tenantClass: string, s: Pick<Series, 'completed' | 'errors' | 'lat'>, l: RunLabels): WriteSeries[] => {
  const series = seriesMaker({ endpoint, tenant_class: tenantClass, run: l.run, scenario: l.scenario }, (t) => Math.round(l.startedAtMs + t * 1000));
  const stats = s.lat.map(latencyStats);
  return [
    series('prodshape_class_requests', s.completed),
    series('prodshape_class_errors', s.errors),
    ...QUANTILES.map(([q, k]) => series('prodshape_class_latency_ms', stats.map((x) => x[k]), { quantile: q })),
  ].filter((x) => x.samples.length > 0);
};

/** Per tenant size class, per endpoint and for all endpoints (`*`), the classes that had requests. */
export const classSeries = (rs: RunSeries, labels: RunLabels): WriteSeries[] => {
  const out: WriteSeries[] = [];
  for (const c of CHARTED_CLASSES) {
    const parts = rs.endpoints.flatMap((e) => {
      const s = rs.byClass.get(e)?.get(c);
      return s === undefined || s.completed.every((n) => n === 0) ? [] : [[e, s] as const];
    });
    if (parts.length === 0) continue;
    out.push(...oneClassSeries('*', c, mergedClass(parts.map(([, s]) => s), rs.length), labels));
    for (const [e, s] of parts) out.push(...oneClassSeries(e, c, s, labels));
  }
  return out;
};

/** Longest `summary` label kept, characters. */
const MAX_SUMMARY_CHARS = 300;

/** The report's breaks as annotation series: 1 at each break's start, 0 one second later (whole-run findings at time zero). */
export const breakSeries = (report: Pick<Report, 'breaks'>, l: RunLabels): WriteSeries[] => {
  const by = new Map<string, WriteSeries>();
  for (const b of report.breaks) {
    const labels = { __name__: 'prodshape_break', kind: b.kind, endpoint: b.endpoint ?? '*', summary: b.summary.slice(0, MAX_SUMMARY_CHARS), run: l.run, scenario: l.scenario };
    const key = JSON.stringify(labels);
    const at = Math.round(l.startedAtMs + (b.t_s ?? 0) * 1000);
    const s: WriteSeries = by.get(key) ?? { labels, samples: [] };
    s.samples.push([at, 1], [at + 1000, 0]);
    by.set(key, s);
  }
  // Samples ascending, one per time (a later break's start wins over an earlier one's end).
  for (const s of by.values()) s.samples = [...new Map(s.samples.sort((a, b) => a[0] - b[0] || a[1] - b[1])).entries()];
  return [...by.values()];
};

/** Every series of a run, from its report (and, for the tenant classes, the analysis's per-second series of its windows). */
export const runSeries = (report: Report, labels: RunLabels, classes: RunSeries | null = null): WriteSeries[] => {
  const rows = report.timeline;
  const t_s = rows.map((r) => r.t_s);
  const overall: Columns = {
    t_s,
    offered_rps: rows.map((r) => r.offered_rps), achieved_rps: rows.map((r) => r.achieved_rps), errors: rows.map((r) => r.errors),
    p50_ms: rows.map((r) => r.p50_ms), p95_ms: rows.map((r) => r.p95_ms), p99_ms: rows.map((r) => r.p99_ms),
  };
  const perEndpoint = Object.entries(report.endpoint_timeline)
    .flatMap(([endpoint, c]) => (c === null ? [] : columnsSeries(endpoint, { t_s, ...c }, labels)));
  return [...columnsSeries('*', overall, labels), ...perEndpoint, ...(classes === null ? [] : classSeries(classes, labels)), ...breakSeries(report, labels)];
};
