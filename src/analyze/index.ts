/**
 * The analyze stage's public face: a run directory in, report.json out.
 * Detectors add `breaks`; until they land the list is empty.
 */
import { redactDeep } from '../core/secrets.js';
import { loadRun, type LoadedRun } from './load.js';
import { buildEndpoints, buildEvents, buildSummary, buildTimeline, slowestTenants } from './summary.js';
import type { Report } from './types.js';

export type { Report, ReportBreak, BreakKind } from './types.js';
export { loadRun, type LoadedRun } from './load.js';

export interface AnalyzeOptions {
  /** Extra SLO specs (from `--slo`), added to those recorded in the run. */
  slo?: string[];
}

/** Builds report.json from a loaded run. Pure. */
export const analyzeRun = (run: LoadedRun, _opts: AnalyzeOptions = {}): Report =>
  redactDeep({
    version: 1,
    target: run.meta.target,
    scenario: run.meta.scenario,
    profile: run.meta.profile,
    summary: buildSummary(run),
    endpoints: buildEndpoints(run),
    timeline: buildTimeline(run),
    events: buildEvents(run),
    tenants: { slowest: slowestTenants(run.tenants) },
    breaks: [],
  });

/** Loads a run directory and analyses it. */
export const analyzeRunDir = async (dir: string, opts: AnalyzeOptions = {}): Promise<Report> => analyzeRun(await loadRun(dir), opts);
