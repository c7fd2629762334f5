/**
 * Error bursts (docs/design.md `errors`). Per endpoint, a burst is a run of
 * seconds whose error rate (failed / completed, by intended second) is above
 * 1%, joined across gaps of up to `burstGapS` seconds; it counts when it holds
 * at least `minErrors` errors and its own rate is above 1%. Bursts of several
 * endpoints that overlap in time are one break (endpoint null). The dominant
 * error class decides the advice; events just before or during are named.
 */
import type { ErrorClass, EventRecord } from '../../run/format.js';
import { totalOfferedRps, type AnalysisContext } from '../context.js';
import type { Series } from '../series.js';
import { fmtPct } from '../../core/numbers.js';
import { r2, r3 } from '../../core/round.js';
import { fmtAt } from '../clock.js';
import type { ErrorsBreak } from '../breaks.js';

export interface Burst {
  endpoint: string;
  fromS: number;
  /** Exclusive end second. */
  toS: number;
  errors: number;
  completed: number;
  classes: Partial<Record<ErrorClass, number>>;
  peakRate: number;
}

/** Error bursts of one series. */
export const burstsOf = (s: Series, t: AnalysisContext['t']): Burst[] => {
  const bad = s.errors.map((e, i) => e > 0 && e / Math.max(1, s.completed[i] ?? 0) > t.errorRate);
  const out: Burst[] = [];
  let i = 0;
  while (i < bad.length) {
    if (!bad[i]) {
      i++;
      continue;
    }
    let end = i + 1;
    let gap = 0;
    for (let k = i + 1; k < bad.length; k++) {
      if (bad[k]) {
        end = k + 1;
        gap = 0;
      } else if (++gap > t.burstGapS) break;
    }
    // Trim edges much weaker than the burst (a stray error next to it is not part of it).
    const rateOf = (a: number, b: number): number => {
      let e = 0;
      let c = 0;
      for (let k = a; k < b; k++) {
        e += s.errors[k] ?? 0;
        c += s.completed[k] ?? 0;
      }
      return e / Math.max(1, c);
    };
    const next = end;
    const whole = rateOf(i, end);
    let from = i;
    while (from < end - 1 && rateOf(from, from + 1) < whole / 3) from++;
    while (end - 1 > from && rateOf(end - 1, end) < whole / 3) end--;
    let errors = 0;
    let completed = 0;
    let peak = 0;
    const classes: Partial<Record<ErrorClass, number>> = {};
    for (let k = from; k < end; k++) {
      errors += s.errors[k] ?? 0;
      completed += s.completed[k] ?? 0;
      peak = Math.max(peak, (s.errors[k] ?? 0) / Math.max(1, s.completed[k] ?? 0));
      for (const [c, n] of Object.entries(s.errorsByClass[k] ?? {}) as [ErrorClass, number][]) classes[c] = (classes[c] ?? 0) + n;
    }
    if (errors >= t.minErrors && errors / Math.max(1, completed) > t.errorRate) {
      out.push({ endpoint: s.endpoint ?? '', fromS: from, toS: end, errors, completed, classes, peakRate: peak });
    }
    i = Math.max(next, i + 1);
  }
  return out;
};

const ADVICE: Record<ErrorClass, string> = {
  connect: 'the target refused connections: was it restarting (a deploy without draining) or out of its accept backlog?',
  reset: 'connections were reset: check keep-alive timeouts on the target and any proxy, and crashes in its logs',
  timeout: 'requests timed out: the target was saturated or stuck; see the saturation and pool findings',
  '4xx': 'the target rejected requests: check the scenario\'s paths and that the tenant ids exist in the target\'s data',
  '5xx': 'the target returned server errors: read its logs for that window',
  other: 'read the request log (--log-requests) for the failures',
  aborted: 'the run was stopped while these requests still waited for an answer: the target had not answered them by the end of the grace period',
};

const dominant = (classes: Partial<Record<ErrorClass, number>>): ErrorClass =>
  ((Object.entries(classes) as [ErrorClass, number][]).sort((a, b) => b[1] - a[1])[0]?.[0]) ?? 'other';

/** Runs the burst detector over every endpoint and groups overlapping bursts. */
export const detectErrors = (ctx: AnalysisContext): { breaks: ErrorsBreak[]; bursts: Burst[] } => {
  const bursts = [...ctx.series.byEndpoint.values()].flatMap((s) => burstsOf(s, ctx.t)).sort((a, b) => a.fromS - b.fromS);
  const groups: Burst[][] = [];
  for (const b of bursts) {
    const g = groups.find((xs) => xs.some((x) => b.fromS <= x.toS + 1 && x.fromS <= b.toS + 1));
    if (g) g.push(b);
    else groups.push([b]);
  }
  const breaks = groups.map((g): ErrorsBreak => {
    const fromS = Math.min(...g.map((b) => b.fromS));
    const toS = Math.max(...g.map((b) => b.toS));
    const errors = g.reduce((s, b) => s + b.errors, 0);
    const completed = g.reduce((s, b) => s + b.completed, 0);
    const classes: Partial<Record<ErrorClass, number>> = {};
    for (const b of g) for (const [c, n] of Object.entries(b.classes) as [ErrorClass, number][]) classes[c] = (classes[c] ?? 0) + n;
    const endpoints = [...new Set(g.map((b) => b.endpoint))];
    const near: EventRecord[] = ctx.run.events.filter((e) => e.t_s >= fromS - 5 && e.t_s < toS);
    const cls = dominant(classes);
    const who = endpoints.length === 1 ? endpoints[0] ?? '' : `${endpoints.length} endpoints (${endpoints.join(', ')})`;
    const whole = fromS === 0 && toS >= ctx.length - 1;
    const when = whole ? 'for the whole run' : `from ${fmtAt(fromS, ctx.run.clock)} to ${fmtAt(toS, ctx.run.clock)}`;
    const ev = near.length > 0 ? `, around the ${near.map((e) => `${e.action} at ${fmtAt(e.t_s, ctx.run.clock)}`).join(' and ')}` : '';
    const classText = (Object.entries(classes) as [ErrorClass, number][]).sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c}: ${n}`).join(', ');
    return {
      kind: 'errors',
      endpoint: endpoints.length === 1 ? (endpoints[0] ?? null) : null,
      t_s: fromS,
      offered_rps: r2(totalOfferedRps(ctx, fromS, Math.min(fromS + 1, ctx.length))),
      summary: `${who} failed ${fmtPct(errors / Math.max(1, completed))} of requests ${when} (${classText})${ev}: ${ADVICE[cls]}.`,
      evidence: {
        start_s: fromS, end_s: toS, duration_s: toS - fromS,
        errors, requests: completed,
        error_rate: r3(errors / Math.max(1, completed)),
        peak_rate: r3(Math.max(...g.map((b) => b.peakRate))),
        classes,
        endpoints,
        events: near.map((e) => ({ t_s: e.t_s, action: e.action, ok: e.ok })),
      },
    };
  });
  return { breaks, bursts };
};
