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
 * each sample at the start of its second (the run's time zero + t_s), labelled
 * with `run` (the run directory's name) and `scenario`. A second without
 * responses has no latency samples. Pure.
 */
import type { Report } from '../analyze/index.js';
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

const columnsSeries = (endpoint: string, c: Columns, l: RunLabels): WriteSeries[] => {
  const at = (i: number): number => Math.round(l.startedAtMs + (c.t_s[i] ?? i) * 1000);
  const base = { endpoint, run: l.run, scenario: l.scenario };
  const series = (name: string, values: readonly (number | null)[], extra: Record<string, string> = {}): WriteSeries => ({
    labels: { __name__: name, ...base, ...extra },
    samples: values.flatMap((v, i): Array<[number, number]> => (v === null || !Number.isFinite(v) ? [] : [[at(i), v]])),
  });
  return [
    series('prodshape_offered_rps', c.offered_rps),
    series('prodshape_achieved_rps', c.achieved_rps),
    series('prodshape_errors', c.errors),
    ...QUANTILES.map(([q, k]) => series('prodshape_latency_ms', c[k], { quantile: q })),
  ].filter((s) => s.samples.length > 0);
};

/** Every series of a run, from its report. */
export const runSeries = (report: Report, labels: RunLabels): WriteSeries[] => {
  const rows = report.timeline;
  const t_s = rows.map((r) => r.t_s);
  const overall: Columns = {
    t_s,
    offered_rps: rows.map((r) => r.offered_rps), achieved_rps: rows.map((r) => r.achieved_rps), errors: rows.map((r) => r.errors),
    p50_ms: rows.map((r) => r.p50_ms), p95_ms: rows.map((r) => r.p95_ms), p99_ms: rows.map((r) => r.p99_ms),
  };
  const perEndpoint = Object.entries(report.endpoint_timeline)
    .flatMap(([endpoint, c]) => (c === null ? [] : columnsSeries(endpoint, { t_s, ...c }, labels)));
  return [...columnsSeries('*', overall, labels), ...perEndpoint];
};
