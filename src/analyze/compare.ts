/**
 * `prodshape compare A B`: what got slower between two runs (typically the
 * same profile before and after a release). Per endpoint: p50/p95/p99 of A
 * and B, their differences, and whether B is slower (p99 up by more than
 * `regressionPct` and by at least `minDeltaMs`); breaks that are new in B,
 * gone in B, or in both (with the saturation rate's change). Pure.
 */
import { breakLabel } from './verdict.js';
import { fmtMs } from '../core/duration.js';
import { fmtRps } from '../core/numbers.js';
import type { Report, ReportBreak, ReportEndpoint } from './types.js';

export interface CompareOptions {
  /** A p99 increase above this fraction counts as slower (default 0.10). */
  regressionPct?: number;
  /** … and only when at least this many ms (default 1). */
  minDeltaMs?: number;
}

export interface PercentileDelta { a: number | null; b: number | null; delta_ms: number | null; change: number | null }

export interface EndpointComparison {
  name: string;
  /** `both`, or the one run it appears in. */
  in: 'both' | 'a' | 'b';
  requests: { a: number; b: number };
  error_rate: { a: number | null; b: number | null };
  p50: PercentileDelta;
  p95: PercentileDelta;
  p99: PercentileDelta;
  verdict: 'slower' | 'faster' | 'same' | 'n/a';
}

export interface BreakChange { kind: string; endpoint: string | null; a: string | null; b: string | null }

export interface Comparison {
  a: { label: string; profile: string | null; scenario: string | null; duration_s: number };
  b: { label: string; profile: string | null; scenario: string | null; duration_s: number };
  warnings: string[];
  overall: { offered_rps: [number, number]; achieved_rps: [number, number]; error_rate: [number | null, number | null]; p99: PercentileDelta };
  endpoints: EndpointComparison[];
  new_breaks: ReportBreak[];
  resolved_breaks: ReportBreak[];
  persisting_breaks: BreakChange[];
  slo: { spec: string; a: boolean | null; b: boolean | null }[];
  /** True when an endpoint got slower, a break appeared or an SLO started failing. */
  regressed: boolean;
  text: string;
}

const delta = (a: number | null | undefined, b: number | null | undefined): PercentileDelta => {
  const x = a ?? null;
  const y = b ?? null;
  return {
    a: x, b: y,
    delta_ms: x !== null && y !== null ? Math.round((y - x) * 1000) / 1000 : null,
    change: x !== null && y !== null && x > 0 ? Math.round(((y - x) / x) * 10000) / 10000 : null,
  };
};

const errRate = (e: ReportEndpoint | undefined): number | null =>
  e === undefined || e.requests === 0 ? null : Math.round((e.errors / e.requests) * 1e6) / 1e6;

const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

const breakKey = (b: ReportBreak): string => {
  const ev = b.kind === 'cold-cache' ? `@${str(b.evidence.event)}${b.t_s ?? ''}` : '';
  const end = b.kind === 'data-skew' ? `:${str(b.evidence.end)}` : '';
  return `${b.kind}|${b.endpoint ?? ''}${ev}${end}`;
};

/** Compares run A (before) with run B (after). */
export const compareReports = (a: Report, b: Report, labels: [string, string], opts: CompareOptions = {}): Comparison => {
  const pct = opts.regressionPct ?? 0.1;
  const minDelta = opts.minDeltaMs ?? 1;
  const warnings: string[] = [];
  if (a.profile !== b.profile) warnings.push(`different profiles (${a.profile ?? '-'} vs ${b.profile ?? '-'}): latencies are not directly comparable`);
  if (a.scenario !== b.scenario) warnings.push(`different scenarios (${a.scenario ?? '-'} vs ${b.scenario ?? '-'})`);
  if (Math.abs(a.summary.offered_rps - b.summary.offered_rps) > 0.1 * Math.max(a.summary.offered_rps, b.summary.offered_rps, 1)) {
    warnings.push(`offered load differs by more than 10% (${fmtRps(a.summary.offered_rps)} vs ${fmtRps(b.summary.offered_rps)})`);
  }
  const names = [...new Set([...a.endpoints.map((e) => e.name), ...b.endpoints.map((e) => e.name)])];
  const endpoints = names.map((name): EndpointComparison => {
    const ea = a.endpoints.find((e) => e.name === name);
    const eb = b.endpoints.find((e) => e.name === name);
    const p99 = delta(ea?.p99_ms, eb?.p99_ms);
    let verdict: EndpointComparison['verdict'] = 'n/a';
    if (p99.delta_ms !== null && p99.a !== null) {
      if (p99.delta_ms >= minDelta && p99.delta_ms > pct * p99.a) verdict = 'slower';
      else if (-p99.delta_ms >= minDelta && -p99.delta_ms > pct * p99.a) verdict = 'faster';
      else verdict = 'same';
    }
    return {
      name, in: ea && eb ? 'both' : ea ? 'a' : 'b',
      requests: { a: ea?.requests ?? 0, b: eb?.requests ?? 0 },
      error_rate: { a: errRate(ea), b: errRate(eb) },
      p50: delta(ea?.p50_ms, eb?.p50_ms), p95: delta(ea?.p95_ms, eb?.p95_ms), p99, verdict,
    };
  });
  const keysA = new Map(a.breaks.map((x) => [breakKey(x), x]));
  const keysB = new Map(b.breaks.map((x) => [breakKey(x), x]));
  const newBreaks = b.breaks.filter((x) => !keysA.has(breakKey(x)));
  const resolved = a.breaks.filter((x) => !keysB.has(breakKey(x)));
  const persisting = b.breaks.filter((x) => keysA.has(breakKey(x))).map((x): BreakChange => {
    const old = keysA.get(breakKey(x));
    return { kind: x.kind, endpoint: x.endpoint, a: old ? breakLabel(old) : null, b: breakLabel(x) };
  });
  const sloA = (a.slo as { spec: string; pass: boolean }[] | undefined) ?? [];
  const sloB = (b.slo as { spec: string; pass: boolean }[] | undefined) ?? [];
  const specs = [...new Set([...sloA.map((s) => s.spec), ...sloB.map((s) => s.spec)])];
  const slo = specs.map((spec) => ({ spec, a: sloA.find((s) => s.spec === spec)?.pass ?? null, b: sloB.find((s) => s.spec === spec)?.pass ?? null }));
  const slower = endpoints.filter((e) => e.verdict === 'slower');
  const newlyFailing = slo.filter((s) => s.a !== false && s.b === false);
  const regressed = slower.length > 0 || newBreaks.length > 0 || newlyFailing.length > 0;
  const parts: string[] = [];
  if (slower.length > 0) parts.push(`slower: ${slower.map((e) => `${e.name} p99 ${fmtMs(e.p99.a)} → ${fmtMs(e.p99.b)}`).join(', ')}`);
  if (newBreaks.length > 0) parts.push(`new breaks: ${newBreaks.map(breakLabel).join('; ')}`);
  if (newlyFailing.length > 0) parts.push(`SLOs now failing: ${newlyFailing.map((s) => s.spec).join(', ')}`);
  if (resolved.length > 0) parts.push(`resolved: ${resolved.map(breakLabel).join('; ')}`);
  const text = regressed ? `B is worse than A: ${parts.join('; ')}.` : `No regression from A to B${parts.length ? ` (${parts.join('; ')})` : ''}.`;
  return {
    a: { label: labels[0], profile: a.profile, scenario: a.scenario, duration_s: a.summary.duration_s },
    b: { label: labels[1], profile: b.profile, scenario: b.scenario, duration_s: b.summary.duration_s },
    warnings,
    overall: {
      offered_rps: [a.summary.offered_rps, b.summary.offered_rps],
      achieved_rps: [a.summary.achieved_rps, b.summary.achieved_rps],
      error_rate: [a.summary.requests ? a.summary.errors / a.summary.requests : null, b.summary.requests ? b.summary.errors / b.summary.requests : null],
      p99: delta(a.summary.p99_ms as number | null | undefined, b.summary.p99_ms as number | null | undefined),
    },
    endpoints, new_breaks: newBreaks, resolved_breaks: resolved, persisting_breaks: persisting, slo, regressed, text,
  };
};
