/**
 * The verdict: the first line of every rendering. `fail` when an SLO failed
 * or the run was interrupted (stopped before its planned end: no pass, whatever
 * was measured), `degraded` when SLOs held (or none were set) but something
 * broke, `pass` otherwise. Notes flag a run whose numbers deserve suspicion (interrupted,
 * generator lag, dropped arrivals, too few samples).
 */
import type { SloResult } from './slo.js';
import { fmtMs, fmtS } from '../core/duration.js';
import { fmtPct, fmtRps, fmtX } from '../core/numbers.js';
import type { ReportBreak, ReportSummary, Verdict } from './types.js';
import { fmtAtClock } from './clock.js';

export type { Verdict } from './types.js';
import type { RunMeta } from '../run/format.js';
import { machineSetLag, machineStallsOf, stalledP99Ms } from '../run/machine-stalls.js';
import type { Thresholds } from './thresholds.js';
import { skewQuotesP99 } from './detect/skew.js';

/** A few words naming a break, for the verdict and compare. */
export const breakLabel = (b: ReportBreak): string => {
  const who = b.endpoint ?? 'overall';
  switch (b.kind) {
    case 'saturation': return `${who} saturated at ${fmtRps(b.offered_rps)}`;
    case 'pool-saturation': return `pool exhausted from ${fmtAtClock(b.t_s, b.clock)} (up to ${b.evidence.max_waiting} waiting)`;
    case 'data-skew': {
      const ev = b.evidence;
      const x = skewQuotesP99(ev.ratio) ? `p99 ${fmtX(ev.ratio)}` : `p50 ${fmtX(ev.p50_ratio)}`;
      return `${who} slow for ${ev.end === 'big' ? 'the biggest' : 'empty'} tenants (${x})`;
    }
    case 'cold-cache': return `cold cache for ${fmtS(b.evidence.window_s)} after the ${b.evidence.event} at ${fmtAtClock(b.t_s, b.clock)}`;
    case 'plan-regression': return `plan of ${b.evidence.query} changed`;
    case 'errors': return `${who} errors ${fmtPct(b.evidence.error_rate)} from ${fmtAtClock(b.t_s, b.clock)}`;
  }
};

const sloFail = (r: SloResult): string =>
  `${r.spec}: ${r.actual === null ? 'no data' : r.unit === 'ms' ? fmtMs(r.actual) : fmtPct(r.actual)}`;

/** Builds the verdict. */
export const buildVerdict = (slo: SloResult[], breaks: ReportBreak[], summary: ReportSummary, meta: RunMeta, t: Thresholds, lowSamples: boolean): Verdict => {
  const failed = slo.filter((r) => !r.pass);
  const status = failed.length > 0 || meta.interrupted ? 'fail' : breaks.length > 0 ? 'degraded' : 'pass';
  const aborted = summary.aborted ?? 0;
  const stopText = meta.interrupted
    ? `the run was stopped before its planned end (${meta.interrupt_reason ?? 'interrupted'})${aborted > 0 ? `, ${aborted} request${aborted === 1 ? '' : 's'} aborted at the stop` : ''}; `
    : '';
  const sloText = slo.length === 0
    ? 'no SLOs set'
    : failed.length === 0
      ? `all ${slo.length} SLO${slo.length === 1 ? '' : 's'} met`
      : `${failed.length} of ${slo.length} SLO${slo.length === 1 ? '' : 's'} failed (${failed.map(sloFail).join('; ')})`;
  const measured = meta.interrupted && slo.length > 0 ? ' on what was measured' : '';
  const breakText = breaks.length === 0
    ? 'no breaks found'
    : `${breaks.length} break${breaks.length === 1 ? '' : 's'}: ${breaks.map(breakLabel).join('; ')}`;
  const notes: string[] = [];
  if (meta.interrupted) notes.push(`The run stopped early (${meta.interrupt_reason ?? 'interrupted'}); the report covers what was measured.`);
  if (aborted > 0) notes.push(`${aborted} request${aborted === 1 ? ' was' : 's were'} still waiting for an answer at the stop: counted as failed (error class aborted), with the wait from the intended time to the end of the grace period as latency.`);
  const lag = meta.lag_ms.p99;
  if (lag !== null && lag > t.lagWarnMs) {
    const stalls = machineStallsOf(meta.extra);
    const stalledP99 = stalls === null ? 0 : stalledP99Ms(stalls, meta.duration_s * 1000);
    const machineSet = machineSetLag(stalledP99, lag);
    const stallText = stalls === null || stalls.count === 0
      ? ''
      : ` The machine stalled the generator's process ${stalls.count} time${stalls.count === 1 ? '' : 's'} for ${stalls.min_ms} ms or more (worst ${fmtMs(stalls.worst_ms)}, ${fmtMs(stalls.total_ms)} in all; run.json extra.machine_stalls): no CPU ran it (the host froze the machine, or other processes, the target's among them, held every core).${stalledP99 === 0 ? ' They cover under 1% of the run: too little to move the lag p99' : ` Those stalls alone give a lag p99 of ${fmtMs(stalledP99)}${machineSet ? ': the machine set this lag, not the generator\'s own work' : ''}`}.`;
    const who = machineSet ? 'sends left late' : 'the load generator, not only the target, was a bottleneck';
    notes.push(`Schedule lag p99 was ${fmtMs(lag)} (> ${t.lagWarnMs} ms): ${who}; latencies include that lag.${stallText}`);
  }
  if (summary.dropped > 0) {
    const cap = meta.tool.name === 'k6' ? 'k6 had no free VU (dropped_iterations; raise maxVUs, or the script\'s --max-vus)' : 'the in-flight cap was reached (--max-inflight)';
    notes.push(`${summary.dropped} arrivals were dropped and never sent: ${cap}.`);
  }
  if (lowSamples) notes.push('Some series had few samples per bin: their p99s are rough (see analysis.bins).');
  if (summary.requests === 0) notes.push('No request was sent.');
  return { status, text: `${status.toUpperCase()}: ${stopText}${sloText}${measured}; ${breakText}.`, notes };
};
