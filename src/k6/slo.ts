/**
 * SLO specs (`p99<300ms`, `list-orders:p95<100ms`, `errors<1%`, `max<2s`) as
 * k6 thresholds on tagged sub-metrics.
 *
 * Latency SLOs become `http_req_duration{…}: ['p(99)<300']` (k6 thresholds on
 * time metrics are in ms); error SLOs become `http_req_failed{…}: ['rate<0.01']`.
 * Overall SLOs filter on the traffic scenario (`{scenario:traffic}`), so the
 * event hooks' requests never count; per-endpoint SLOs on the `endpoint` tag.
 *
 * The parser here covers the spec syntax of DESIGN.md; when the analysis stage's
 * SLO module lands on main, this file keeps only the k6 mapping.
 */
import { inputError } from '../core/errors.js';

export type SloMetric = { kind: 'percentile'; p: number } | { kind: 'max' } | { kind: 'avg' } | { kind: 'errors' };

export interface Slo {
  /** The text as given. */
  spec: string;
  /** Endpoint name, or null for all traffic. */
  endpoint: string | null;
  metric: SloMetric;
  op: '<' | '<=';
  /** Milliseconds for latency metrics; a fraction (0.01 for 1%) for errors. */
  value: number;
}

const SPEC = /^\s*(?:(.+):)?(p\d+(?:\.\d+)?|max|avg|mean|errors|error_rate)\s*(<=|<)\s*(\d+(?:\.\d+)?)\s*(ms|s|us|µs|%)?\s*$/;

/**
 * Parses one SLO spec. `where` names the flag or file field for the error
 * message. Throws an InputError saying what was expected.
 */
export const parseSlo = (spec: string, where: { field: string; file?: string | null; line?: number | null }): Slo => {
  const m = SPEC.exec(spec);
  const fail = (why: string): never => {
    throw inputError(where.field, `${why} in SLO ${JSON.stringify(spec)}`, {
      file: where.file ?? null,
      line: where.line ?? null,
      hint: "write SLOs like 'p99<300ms', 'list-orders:p95<100ms', 'max<2s' or 'errors<1%'",
    });
  };
  if (!m) return fail('expected [endpoint:]p99|max|avg|errors < value');
  const [, endpoint, metricText = '', op = '<', numText = '', unit] = m;
  const num = Number(numText);
  let metric: SloMetric;
  if (metricText === 'errors' || metricText === 'error_rate') {
    metric = { kind: 'errors' };
    if (unit !== '%' && unit !== undefined) fail('an error SLO takes a percentage');
  } else if (metricText === 'max') metric = { kind: 'max' };
  else if (metricText === 'avg' || metricText === 'mean') metric = { kind: 'avg' };
  else {
    const p = Number(metricText.slice(1));
    if (!(p > 0 && p <= 100)) fail('the percentile must be in (0, 100]');
    metric = { kind: 'percentile', p };
  }
  let value: number;
  if (metric.kind === 'errors') value = unit === '%' ? num / 100 : num;
  else if (unit === undefined || unit === '%') return fail('a latency SLO needs a unit (ms, s or us)');
  else value = unit === 's' ? num * 1000 : unit === 'ms' ? num : num / 1000;
  return { spec: spec.trim(), endpoint: endpoint === undefined || endpoint === '' ? null : endpoint, metric, op: op as Slo['op'], value };
};

/** The k6 scenario name of the main traffic (overall SLOs filter on it). */
export const TRAFFIC_SCENARIO = 'traffic';

/** `http_req_duration{endpoint:list-orders}` or `…{scenario:traffic}` for overall SLOs. */
export const thresholdMetric = (slo: Pick<Slo, 'endpoint' | 'metric'>): string => {
  const base = slo.metric.kind === 'errors' ? 'http_req_failed' : 'http_req_duration';
  return slo.endpoint === null ? `${base}{scenario:${TRAFFIC_SCENARIO}}` : `${base}{endpoint:${slo.endpoint}}`;
};

const trimNum = (x: number): string => String(+x.toPrecision(12));

/** The k6 threshold expression: `p(99)<300`, `max<=2000`, `avg<50`, `rate<0.01`. */
export const thresholdExpression = (slo: Pick<Slo, 'metric' | 'op' | 'value'>): string => {
  const m = slo.metric;
  const agg = m.kind === 'percentile' ? `p(${trimNum(m.p)})` : m.kind === 'errors' ? 'rate' : m.kind;
  return `${agg}${slo.op}${trimNum(slo.value)}`;
};

/**
 * Thresholds for the given SLOs, grouped by sub-metric (k6 takes a list of
 * expressions per metric), in a stable order.
 */
export const sloThresholds = (slos: readonly Slo[]): Map<string, { expressions: string[]; specs: string[] }> => {
  const out = new Map<string, { expressions: string[]; specs: string[] }>();
  for (const slo of slos) {
    const key = thresholdMetric(slo);
    const entry = out.get(key) ?? { expressions: [], specs: [] };
    const expr = thresholdExpression(slo);
    if (!entry.expressions.includes(expr)) entry.expressions.push(expr);
    entry.specs.push(slo.spec);
    out.set(key, entry);
  }
  return out;
};
