/**
 * SLOs (scenario/slo.ts syntax: `p99<300ms`, `list-orders:p95<100ms`,
 * `errors<1%`, `max<2s`, `mean<50ms`, `dropped<0.1%`) as k6 thresholds on
 * tagged sub-metrics.
 *
 * Latency SLOs become `http_req_duration{…}: ['p(99)<300']` (k6 thresholds on
 * time metrics are in ms); error SLOs `http_req_failed{…}: ['rate<0.01']`.
 * Overall SLOs filter on the traffic scenario (`{scenario:traffic}`), so the
 * event hooks' requests never count; per-endpoint SLOs on the `endpoint` tag.
 * `dropped<X%` becomes a count on `dropped_iterations` (k6 has no ratio
 * across metrics): X% of the requests the profile plans. k6 does not know
 * which endpoint a dropped iteration was for, so a per-endpoint `dropped` SLO
 * has no threshold; prodshape's report still checks it after the import.
 */
import type { SloSpec } from '../scenario/slo.js';

/** The k6 scenario name of the main traffic (overall SLOs filter on it). */
export const TRAFFIC_SCENARIO = 'traffic';

/** `http_req_duration{endpoint:list-orders}`, `…{scenario:traffic}` for overall SLOs, or null when k6 cannot express it. */
export const thresholdMetric = (slo: Pick<SloSpec, 'endpoint' | 'metric'>): string | null => {
  if (slo.metric === 'dropped') return slo.endpoint === null ? 'dropped_iterations' : null;
  const base = slo.metric === 'errors' ? 'http_req_failed' : 'http_req_duration';
  return slo.endpoint === null ? `${base}{scenario:${TRAFFIC_SCENARIO}}` : `${base}{endpoint:${slo.endpoint}}`;
};

const trimNum = (x: number): string => String(+x.toPrecision(12));

/**
 * The k6 threshold expression: `p(99)<300`, `max<=2000`, `avg<50`,
 * `rate<0.01`, `count<39` (dropped: the fraction of `expectedRequests`,
 * rounded down, at least 0).
 */
export const thresholdExpression = (slo: Pick<SloSpec, 'metric' | 'percentile' | 'op' | 'threshold'>, expectedRequests: number): string => {
  switch (slo.metric) {
    case 'percentile':
      return `p(${trimNum(slo.percentile ?? 99)})${slo.op}${trimNum(slo.threshold)}`;
    case 'max':
      return `max${slo.op}${trimNum(slo.threshold)}`;
    case 'mean':
      return `avg${slo.op}${trimNum(slo.threshold)}`;
    case 'errors':
      return `rate${slo.op}${trimNum(slo.threshold)}`;
    case 'dropped':
      return `count${slo.op}${Math.max(0, Math.floor(slo.threshold * expectedRequests))}`;
  }
};

/**
 * Thresholds for the given SLOs, grouped by sub-metric (k6 takes a list of
 * expressions per metric), in a stable order. SLOs k6 cannot express are
 * returned in `skipped`.
 */
export const sloThresholds = (
  slos: readonly SloSpec[],
  expectedRequests: number,
): { byMetric: Map<string, { expressions: string[]; specs: string[] }>; skipped: SloSpec[] } => {
  const byMetric = new Map<string, { expressions: string[]; specs: string[] }>();
  const skipped: SloSpec[] = [];
  for (const slo of slos) {
    const key = thresholdMetric(slo);
    if (key === null) {
      skipped.push(slo);
      continue;
    }
    const entry = byMetric.get(key) ?? { expressions: [], specs: [] };
    const expr = thresholdExpression(slo, expectedRequests);
    if (!entry.expressions.includes(expr)) entry.expressions.push(expr);
    entry.specs.push(slo.spec);
    byMetric.set(key, entry);
  }
  return { byMetric, skipped };
};
