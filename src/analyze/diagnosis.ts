/**
 * The diagnosis: the path a person walks at 9am on a Monday, done by the tool.
 *   1. degraded  — the endpoints whose p99 degraded, and when;
 *   2. slow-queries — the slow queries in those windows (PostgreSQL observer);
 *   3. pool      — pool saturation (target's gauges; else the client-side sign);
 *   4. events    — the events in or just before those windows;
 *   5. plans     — the plans of the slowest queries (PostgreSQL observer).
 * Steps 2 and 5 (and a richer 3) come from analysis extensions that read the
 * observers' files (given by the use cases, src/app/report.ts); without them they say "not observed" and
 * how to enable it.
 */
import type { LoadedRun } from './load.js';
import type { DetectorOutput } from './detect/index.js';
import { skewQuotesP99 } from './detect/skew.js';
import { fmtMs } from '../core/duration.js';
import { fmtRps } from '../core/numbers.js';
import { fmtAt } from './clock.js';
import type { ProfileClock } from '../traffic/clock.js';
import { DIAGNOSIS_STEPS, type DiagnosisStep, type ReportBreak, type StepId } from './types.js';
import { breaksOfKind } from './breaks.js';
import type { DegradedSpan } from './span.js';

export { DIAGNOSIS_STEPS, type DiagnosisStep, type StepId } from './types.js';

/** What an extension gets to look at. */
export interface DiagnosisInput {
  run: LoadedRun;
  degraded: DegradedSpan[];
  breaks: ReportBreak[];
}

/** What an extension contributes: steps it can fill (replacing the defaults), extra breaks, extra report sections. */
export interface ExtensionResult {
  steps?: Partial<Record<StepId, Omit<DiagnosisStep, 'step' | 'id' | 'title'>>>;
  breaks?: ReportBreak[];
  sections?: Record<string, unknown>;
  /** Sentences appended to a step's summary, whoever filled it (e.g. the capacity estimate on the pool step). */
  notes?: Partial<Record<StepId, string>>;
}

/**
 * An analysis extension: reads its own files from `input.run.dir` (e.g. the
 * PostgreSQL observer's statements and plans). It must not throw when its
 * files are absent: return `{}`.
 */
export interface AnalysisExtension {
  name: string;
  analyze(input: DiagnosisInput): Promise<ExtensionResult> | ExtensionResult;
}

const TITLES: Record<StepId, string> = {
  degraded: 'Endpoints whose p99 degraded, and when',
  'slow-queries': 'Slow queries in those windows',
  pool: 'Pool saturation',
  events: 'Events in those windows',
  plans: 'Plans of the slowest queries',
};

const PG_HINT = 'add `observe: { postgres: { url: "${DATABASE_URL}" } }` to the scenario (or pass --pg URL) with pg_stat_statements in shared_preload_libraries';

const step = (id: StepId, s: Omit<DiagnosisStep, 'step' | 'id' | 'title'>): DiagnosisStep =>
  ({ step: DIAGNOSIS_STEPS.indexOf(id) + 1, id, title: TITLES[id], ...s });

const degradedStep = (breaks: ReportBreak[], det: DetectorOutput, clock: ProfileClock | null | undefined): DiagnosisStep => {
  const lines: string[] = [];
  const details: unknown[] = [];
  for (const b of breaks) {
    const who = b.endpoint ?? 'all endpoints';
    switch (b.kind) {
      case 'saturation':
        lines.push(`${who}: from ${fmtAt(b.t_s, clock)} at ${fmtRps(b.offered_rps)} offered (p99 ${fmtMs(b.evidence.p99_before_ms)} → ${fmtMs(b.evidence.p99_after_ms)})`);
        break;
      case 'cold-cache': {
        const ev = b.evidence;
        lines.push(`${who}: ${fmtAt(ev.start_s, clock)}–${fmtAt(ev.end_s, clock)} after the ${ev.event} (p99 ${fmtMs(ev.cold_p99_ms)} vs ${fmtMs(ev.warm_p99_ms)} warm)`);
        break;
      }
      case 'data-skew': {
        const ev = b.evidence;
        lines.push(`${who}: the whole run, for ${ev.end === 'big' ? 'the biggest tenants' : 'empty tenants'} (${skewQuotesP99(ev.ratio)
          ? `p99 ${fmtMs(ev.class_p99_ms)} vs ${fmtMs(ev.median_p99_ms)}`
          : `p50 ${fmtMs(ev.p50_ms)} vs ${fmtMs(ev.median_p50_ms)}`})`);
        break;
      }
      case 'errors':
        lines.push(`${who}: errors ${fmtAt(b.evidence.start_s, clock)}–${fmtAt(b.evidence.end_s, clock)}`);
        break;
      default:
        continue;
    }
    details.push({ kind: b.kind, endpoint: b.endpoint, t_s: b.t_s, summary: b.summary });
  }
  if (lines.length === 0) {
    const worst = det.saturation.endpoints
      .map((r) => ({ e: r.endpoint, thr: r.thresholdMs }))
      .filter((x) => x.thr !== null)
      .map((x) => `${x.e ?? 'all'} (threshold ${fmtMs(x.thr)})`);
    return step('degraded', { status: 'nothing', summary: `No endpoint's p99 degraded${worst.length ? `: checked ${worst.join(', ')}` : ''}.`, details: [], how_to_enable: null });
  }
  return step('degraded', { status: 'found', summary: lines.join('; '), details, how_to_enable: null });
};

const poolStep = (breaks: ReportBreak[], det: DetectorOutput): DiagnosisStep => {
  const pb = breaks.find((b) => b.kind === 'pool-saturation');
  if (pb !== undefined) return step('pool', { status: 'found', summary: pb.summary, details: det.pool.episodes, how_to_enable: null });
  const queueing = breaksOfKind(breaks, 'saturation').filter((b) => b.evidence.queueing === 'likely');
  const sign = queueing.length > 0
    ? ` Client-side sign: likely queueing on ${queueing.map((b) => b.endpoint ?? 'the whole run').join(', ')} (throughput flat while latency grew).`
    : '';
  if (det.pool.status !== 'gauges') {
    return step('pool', {
      status: 'not-observed', summary: `${det.pool.note}.${sign}`, details: queueing.map((b) => ({ endpoint: b.endpoint, t_s: b.t_s, achieved_plateau_rps: b.evidence.achieved_plateau_rps })),
      how_to_enable: 'add `observe: { prometheus: /metrics, pool: { in_use: …, waiting: …, size: … } }` to the scenario, naming the target\'s pool gauges',
    });
  }
  const m = det.pool.maxima;
  const seen = m === null ? '' : `max in use ${m.maxInUse ?? '?'}${m.size === null ? '' : ` of ${m.size}`}, max waiting ${m.maxWaiting ?? '?'}`;
  const unaligned = det.pool.episodes.length > 0 ? ` The pool was full at times (${det.pool.episodes.length} episode${det.pool.episodes.length === 1 ? '' : 's'}) but latency held.` : '';
  return step('pool', { status: 'nothing', summary: `The pool did not saturate during a latency break (${seen}).${unaligned}${sign}`, details: det.pool.episodes, how_to_enable: null });
};

const eventsStep = (run: LoadedRun, degraded: DegradedSpan[]): DiagnosisStep => {
  if (run.events.length === 0) return step('events', { status: 'nothing', summary: 'The profile fired no events.', details: [], how_to_enable: null });
  const near = run.events.filter((e) => degraded.some((d) => e.t_s >= d.fromS - 10 && e.t_s <= d.toS));
  const fmt = (e: (typeof run.events)[number]): string => `${e.action} at ${fmtAt(e.t_s, run.clock)}${e.ok ? '' : ' (failed)'}`;
  if (near.length === 0) {
    return step('events', { status: 'nothing', summary: `${run.events.length} event(s) (${run.events.map(fmt).join(', ')}), none within 10 s before a degraded window.`, details: [], how_to_enable: null });
  }
  return step('events', {
    status: 'found',
    summary: `In or just before the degraded windows: ${near.map(fmt).join(', ')}.`,
    details: near.map((e) => ({ t_s: e.t_s, action: e.action, ok: e.ok, duration_ms: Math.round(e.end_ms - e.start_ms), error: e.error })),
    how_to_enable: null,
  });
};

/** Whether the recorded scenario lists critical queries (a top-level `plans:` key). */
const scenarioHasPlans = (run: LoadedRun): boolean => /^plans:/m.test(run.scenarioText ?? '');

/** Step 5 when no observer filled it: what was missing, said for this run (the scenario may list its queries already). */
const plansDefault = (run: LoadedRun): DiagnosisStep => scenarioHasPlans(run)
  ? step('plans', { status: 'not-observed', summary: 'Not observed: the scenario lists critical queries under `plans:`, but the PostgreSQL observer was not on, so none was EXPLAINed.', details: [], how_to_enable: PG_HINT })
  : step('plans', { status: 'not-observed', summary: 'Not observed: no query plans were captured for this run.', details: [], how_to_enable: `${PG_HINT}; list critical queries under \`plans:\`` });

/** The five steps from the detectors' output, with extension findings replacing the defaults they fill. */
export const buildDiagnosis = (run: LoadedRun, breaks: ReportBreak[], det: DetectorOutput, ext: ExtensionResult[]): DiagnosisStep[] => {
  const defaults: DiagnosisStep[] = [
    degradedStep(breaks, det, run.clock),
    step('slow-queries', { status: 'not-observed', summary: 'Not observed: the PostgreSQL observer was not on for this run.', details: [], how_to_enable: PG_HINT }),
    poolStep(breaks, det),
    eventsStep(run, det.degraded),
    plansDefault(run),
  ];
  return defaults.map((d) => {
    const over = ext.map((x) => x.steps?.[d.id]).filter((s) => s !== undefined).pop();
    const filled = over === undefined ? d : { ...d, ...over, step: d.step, id: d.id, title: d.title };
    const notes = ext.map((x) => x.notes?.[d.id]).filter((n): n is string => n !== undefined);
    return notes.length === 0 ? filled : { ...filled, summary: [filled.summary, ...notes].join(' ') };
  });
};
