/**
 * The SLO language: `[endpoint:]metric<threshold`, parsed where a scenario,
 * a flag or run.json gives it (judging is in analyze/slo.ts).
 *
 *   p99<300ms            every endpoint together: p99 of latency from intended time
 *   list-orders:p95<100ms one endpoint
 *   p99.9<=1s  max<5s  mean<50ms
 *   errors<1%            failed / completed requests (also `errors<0.01`)
 *   dropped<0.1%         arrivals not sent (in-flight cap) / offered
 *
 * Latency thresholds take `us`, `ms` (the default unit) or `s`; rates take
 * `%` or a bare fraction in [0, 1]. `<` and `<=` are accepted. A check with no
 * completed requests fails: a CI gate must not pass on nothing.
 */
import { InputError, type Problem } from '../core/errors.js';

export type SloMetric = 'percentile' | 'max' | 'mean' | 'errors' | 'dropped';

export interface SloSpec {
  /** The text as given (trimmed). */
  spec: string;
  endpoint: string | null;
  metric: SloMetric;
  /** For `percentile`: 0 < p < 100. */
  percentile: number | null;
  op: '<' | '<=';
  /** ms for latency metrics, a fraction (0.01 = 1%) for rates. */
  threshold: number;
}

const GRAMMAR = 'expected [endpoint:]metric<threshold, such as p99<300ms, list-orders:p95<100ms or errors<1% (metrics: pNN, max, mean, errors, dropped)';
const SLO_RE = /^(?:(.+):)?\s*(p\d+(?:\.\d+)?|max|mean|avg|errors|dropped)\s*(<=|<)\s*(\d+(?:\.\d+)?|\.\d+)\s*(us|µs|ms|s|%)?$/i;

/** Where a spec came from, for error messages (`--slo`, `run.json slo[2]`, `scenario slo[0]`). */
export interface SloSource { file: string | null; field: string }

/** Parses one spec; returns the problem text instead when it is not valid. */
export const parseSlo = (text: string): SloSpec | string => {
  const spec = text.trim();
  const m = SLO_RE.exec(spec);
  if (m === null) return `${JSON.stringify(text)}: ${GRAMMAR}`;
  const endpoint = m[1]?.trim() || null;
  const metricRaw = (m[2] ?? '').toLowerCase();
  const op = m[3] === '<=' ? '<=' : '<';
  const value = Number(m[4]);
  const unit = (m[5] ?? '').toLowerCase();
  const isRate = metricRaw === 'errors' || metricRaw === 'dropped';
  if (isRate) {
    if (unit !== '' && unit !== '%') return `${JSON.stringify(text)}: ${metricRaw} is a rate: write it as a percentage (1%) or a fraction (0.01)`;
    const threshold = unit === '%' ? value / 100 : value;
    if (threshold > 1) return `${JSON.stringify(text)}: a rate above 100% is meaningless; write 1% or 0.01`;
    return { spec, endpoint, metric: metricRaw as SloMetric, percentile: null, op, threshold };
  }
  if (unit === '%') return `${JSON.stringify(text)}: ${metricRaw} is a latency: give it in us, ms or s`;
  const threshold = unit === 's' ? value * 1000 : unit === 'us' || unit === 'µs' ? value / 1000 : value;
  if (metricRaw.startsWith('p')) {
    const p = Number(metricRaw.slice(1));
    if (!(p > 0 && p < 100)) return `${JSON.stringify(text)}: percentile must be between 0 and 100 (exclusive), got ${p}`;
    return { spec, endpoint, metric: 'percentile', percentile: p, op, threshold };
  }
  return { spec, endpoint, metric: metricRaw === 'avg' ? 'mean' : (metricRaw as SloMetric), percentile: null, op, threshold };
};

/**
 * Parses specs from several sources, dropping exact duplicates (after
 * whitespace removal); throws one InputError listing every bad spec and
 * every endpoint that does not exist in the run.
 */
export const parseSlos = (specs: { text: string; source: SloSource }[], endpoints: readonly string[]): SloSpec[] => {
  const problems: Problem[] = [];
  const out: SloSpec[] = [];
  const seen = new Set<string>();
  for (const { text, source } of specs) {
    const key = text.replace(/\s+/g, '');
    if (seen.has(key)) continue;
    seen.add(key);
    const r = parseSlo(text);
    if (typeof r === 'string') {
      problems.push({ file: source.file, line: null, field: source.field, message: r });
      continue;
    }
    if (r.endpoint !== null && !endpoints.includes(r.endpoint)) {
      problems.push({
        file: source.file, line: null, field: source.field,
        message: `${JSON.stringify(text)}: the run has no endpoint "${r.endpoint}" (it has: ${endpoints.join(', ') || 'none'})`,
      });
      continue;
    }
    out.push(r);
  }
  if (problems.length > 0) throw new InputError(problems, { code: 'PS_SLO', hint: GRAMMAR });
  return out;
};

/**
 * The latency threshold the saturation detector uses for an endpoint (or the
 * whole run, `endpoint` null): the endpoint's own p99 SLO, else the global
 * p99 SLO, else null.
 */
export const p99ThresholdMs = (slos: readonly SloSpec[], endpoint: string | null): number | null => {
  const p99 = slos.filter((s) => s.metric === 'percentile' && s.percentile === 99);
  const own = endpoint === null ? undefined : p99.find((s) => s.endpoint === endpoint);
  const global = p99.find((s) => s.endpoint === null);
  return (own ?? global)?.threshold ?? null;
};
