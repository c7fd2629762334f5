/**
 * SLOs judged on the whole run (the language itself, `[endpoint:]metric<threshold`,
 * is parsed in scenario/slo.ts). A check with no completed requests fails: a
 * CI gate must not pass on nothing.
 */
import type { SloSpec } from '../scenario/slo.js';
import { sparseMaxMs, sparseMeanMs, sparsePercentileMs, type Sparse } from './hist.js';
import { fmtPct } from '../core/numbers.js';
import { fmtMs } from '../core/duration.js';

export type { SloSpec } from '../scenario/slo.js';

/** One SLO's outcome, as written to report.json `slo`. */
export interface SloResult {
  spec: string;
  endpoint: string | null;
  /** `p99`, `max`, `mean`, `errors`, `dropped`. */
  metric: string;
  op: '<' | '<=';
  threshold: number;
  /** `ms` or `ratio`. */
  unit: 'ms' | 'ratio';
  actual: number | null;
  pass: boolean;
  /** One line for people: what was measured against what. */
  message: string;
}

/** What an SLO is judged on: one endpoint's (or the whole run's) totals. */
export interface SloSubject {
  lat: Sparse;
  completed: number;
  errors: number;
  offered: number;
  dropped: number;
}

const metricLabel = (s: SloSpec): string => (s.metric === 'percentile' ? `p${s.percentile ?? ''}` : s.metric);

const fmtRatio = (r: number): string => fmtPct(r, 3);

/** Judges one SLO on its subject. */
export const evaluateSlo = (s: SloSpec, subject: SloSubject): SloResult => {
  const isRate = s.metric === 'errors' || s.metric === 'dropped';
  const unit = isRate ? 'ratio' : 'ms';
  let actual: number | null;
  switch (s.metric) {
    case 'percentile': actual = sparsePercentileMs(subject.lat, s.percentile ?? 99); break;
    case 'max': actual = sparseMaxMs(subject.lat); break;
    case 'mean': actual = sparseMeanMs(subject.lat); break;
    case 'errors': actual = subject.completed > 0 ? subject.errors / subject.completed : null; break;
    case 'dropped': actual = subject.offered > 0 ? subject.dropped / subject.offered : null; break;
  }
  const label = metricLabel(s);
  const who = s.endpoint ?? 'all endpoints';
  const fmt = isRate ? fmtRatio : fmtMs;
  if (actual === null) {
    return { spec: s.spec, endpoint: s.endpoint, metric: label, op: s.op, threshold: s.threshold, unit, actual: null, pass: false,
      message: `${who}: no ${s.metric === 'dropped' ? 'offered' : 'completed'} requests, so ${label} cannot be checked` };
  }
  const rounded = Math.round(actual * (isRate ? 1e6 : 1e3)) / (isRate ? 1e6 : 1e3);
  const pass = s.op === '<' ? actual < s.threshold : actual <= s.threshold;
  return {
    spec: s.spec, endpoint: s.endpoint, metric: label, op: s.op, threshold: s.threshold, unit, actual: rounded, pass,
    message: `${who}: ${label} ${fmt(actual)} ${pass ? 'within' : 'exceeds'} ${s.op} ${fmt(s.threshold)}`,
  };
};
