/**
 * A run directory's report with every stage's contribution: the analyze
 * stage's detectors, the observe stage's analysis extension (slow queries,
 * plans, `plan-regression`, the database section) and its report.html block.
 * The analyze and report stages take these by injection (they know no
 * observer); this is where they are chosen.
 */
import { analyzeRunDir, type AnalyzeOptions, type Report } from '../analyze/index.js';
import { inputError } from '../core/errors.js';
import { registerSecret } from '../core/secrets.js';
import { serverUrlProblem } from '../engine/preflight.js';
import { checkReach, type Resolver } from '../engine/reach.js';
import { rereadPrometheus } from '../observe/promql-server.js';
import type { PrometheusServerMeta } from '../observe/files.js';
import { observeExtension } from '../observe/extension.js';
import { databaseHtml } from '../observe/html.js';
import { finishRun, writeReports, type FinishOptions, type FinishResult } from '../report/index.js';

/** The observe stage's contributions to analysis and to report.html. */
const OBSERVED = { extensions: [observeExtension], htmlSections: [databaseHtml] } as const;

/** Analyses a run directory with the observe stage's findings (`report DIR --json`, `compare`). */
export const analyzeObservedRun = (dir: string, opts: AnalyzeOptions = {}): Promise<Report> =>
  analyzeRunDir(dir, { extensions: [...OBSERVED.extensions], ...opts });

/** `finishRun` with the observe stage's findings and report.html block: what `replay` and `report DIR` call. */
export const finishObservedRun = (dir: string, opts: FinishOptions): Promise<FinishResult> =>
  finishRun(dir, { extensions: [...OBSERVED.extensions], htmlSections: OBSERVED.htmlSections, ...opts });

/** `writeReports` with the observe stage's report.html block. */
export const writeObservedReports = (dir: string, report: Report, opts: { html?: boolean; junitFile?: string | null } = {}): ReturnType<typeof writeReports> =>
  writeReports(dir, report, { htmlSections: OBSERVED.htmlSections, ...opts });

/**
 * `report DIR --prometheus URL`: reads the run's window again from a
 * Prometheus server with the queries of the run's `observe.prometheus_server`
 * (promql.ndjson and observe.json replaced), for a run whose server was
 * unreachable during the run. The URL obeys the safety rule like every
 * outbound URL (InputError naming `--prometheus`; `allowRemote` lifts it) and
 * connections go to the checked addresses only. A server that does not answer
 * is recorded in observe.json (`error`), not thrown: the report says so.
 */
export const rereadPrometheusFor = async (dir: string, text: string, opts: { allowRemote: boolean; resolve?: Resolver }): Promise<PrometheusServerMeta> => {
  const problem = serverUrlProblem(text);
  if (problem !== null) throw inputError('--prometheus', problem);
  const url = new URL(text);
  if (url.password !== '') registerSecret(decodeURIComponent(url.password));
  const pins = await checkReach([{ url, field: '--prometheus', file: null, line: null }], { allowRemote: opts.allowRemote, ...(opts.resolve ? { resolve: opts.resolve } : {}) });
  const { createReachAgent } = await import('../engine/pinned.js');
  const dispatcher = createReachAgent(pins);
  try {
    return await rereadPrometheus(dir, url, dispatcher);
  } finally {
    await dispatcher.close();
  }
};
