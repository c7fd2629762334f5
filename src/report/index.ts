/**
 * The report stage's public face. `finishRun` is what `prodshape replay`
 * calls after every run and `prodshape report DIR` calls to re-render: it
 * analyses the run directory, writes report.json and report.html (and JUnit
 * XML when asked), prints the terminal rendering and returns the exit code
 * (`exitCodeOf`: 4 for an interrupted run, 2 when an SLO failed, else 0). Renderers return strings; this file writes.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { analyzeRunDir, type AnalyzeOptions, type Report } from '../analyze/index.js';
import { EXIT, type ExitCode } from '../core/errors.js';
import { redact } from '../core/secrets.js';
import { RUN_FILES } from '../run/format.js';
import { renderHtml, type HtmlSection } from './html.js';
import { renderJunit } from './junit.js';
import { renderTerminal } from './terminal.js';

export { renderTerminal } from './terminal.js';
export { renderHtml, type HtmlSection } from './html.js';
export { renderJunit } from './junit.js';
export { renderComparison } from './compare.js';

export interface FinishOptions extends AnalyzeOptions {
  /** `--junit FILE`: also write JUnit XML there. */
  junitFile?: string | null;
  /** Where lines for people go (the CLI passes its redacting printer). */
  print: (text: string) => void;
  /** Colours in the terminal rendering (default false: the CLI decides from the TTY). */
  color?: boolean;
  /** Terminal width for the rendering (default 80). */
  width?: number;
  /** Write report.html (default true). */
  html?: boolean;
  /** Blocks added to report.html by later stages (the use cases pass the observe stage's) [none]. */
  htmlSections?: readonly HtmlSection[];
}

export interface FinishResult {
  exitCode: ExitCode;
  reportFile: string;
  htmlFile: string | null;
  junitFile: string | null;
  report: Report;
}

/**
 * Exit code for a report: 4 when the run was interrupted (stopped before its planned end: whatever its
 * SLOs say of what was measured, it is no pass), else 2 when any SLO failed, else 0.
 */
export const exitCodeOf = (r: Report): ExitCode =>
  r.summary.interrupted === true ? EXIT.interrupted : r.slo.some((s) => !s.pass) ? EXIT.checkFailed : EXIT.ok;

/** Writes report.json, report.html and (optionally) the JUnit file for an analysed report; returns the paths. */
export const writeReports = async (dir: string, report: Report, opts: { html?: boolean; junitFile?: string | null; htmlSections?: readonly HtmlSection[] } = {}): Promise<{ reportFile: string; htmlFile: string | null; junitFile: string | null }> => {
  const reportFile = join(dir, RUN_FILES.report);
  await writeFile(reportFile, `${redact(JSON.stringify(report, null, 2))}\n`);
  let htmlFile: string | null = null;
  if (opts.html !== false) {
    htmlFile = join(dir, RUN_FILES.html);
    await writeFile(htmlFile, redact(renderHtml(report, opts.htmlSections ?? [])));
  }
  let junitFile: string | null = null;
  if (opts.junitFile) {
    junitFile = opts.junitFile;
    await mkdir(dirname(junitFile), { recursive: true });
    await writeFile(junitFile, redact(renderJunit(report)));
  }
  return { reportFile, htmlFile, junitFile };
};

/** Analyses a run directory, writes the reports, prints the summary; returns the exit code (`exitCodeOf`). */
export const finishRun = async (dir: string, opts: FinishOptions): Promise<FinishResult> => {
  const report = await analyzeRunDir(dir, opts);
  const files = await writeReports(dir, report, { html: opts.html ?? true, junitFile: opts.junitFile ?? null, htmlSections: opts.htmlSections ?? [] });
  // The run directory and the report people open come last, where a terminal leaves them in view.
  const listed = [
    ...(files.junitFile ? [{ label: 'junit', path: files.junitFile }] : []),
    ...(files.htmlFile ? [{ label: 'json', path: files.reportFile }] : []),
    { label: 'run directory', path: dir },
    { label: 'report', path: files.htmlFile ?? files.reportFile },
  ];
  opts.print(renderTerminal(report, { color: opts.color ?? false, width: opts.width ?? 80, files: listed }));
  return { exitCode: exitCodeOf(report), ...files, report };
};
