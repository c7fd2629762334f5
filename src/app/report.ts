/**
 * A run directory's report with every stage's contribution: the analyze
 * stage's detectors, the observe stage's analysis extension (slow queries,
 * plans, `plan-regression`, the database section) and its report.html block.
 * The analyze and report stages take these by injection (they know no
 * observer); this is where they are chosen.
 */
import { analyzeRunDir, type AnalyzeOptions, type Report } from '../analyze/index.js';
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
