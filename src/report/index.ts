/**
 * The report stage's public face. PLACEHOLDER renderings until the report
 * work lands: `finishRun` analyses a run directory, writes report.json,
 * prints a short summary and returns the exit code (2 when an SLO failed).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { analyzeRunDir, type AnalyzeOptions } from '../analyze/index.js';
import { RUN_FILES } from '../run/format.js';
import type { ExitCode } from '../core/errors.js';

export interface FinishOptions extends AnalyzeOptions {
  /** `--junit FILE`. */
  junitFile?: string | null;
  /** Where lines for people go (the CLI passes its redacting printer). */
  print: (text: string) => void;
}

export const finishRun = async (dir: string, opts: FinishOptions): Promise<{ exitCode: ExitCode; reportFile: string }> => {
  const report = await analyzeRunDir(dir, opts);
  const reportFile = join(dir, RUN_FILES.report);
  await writeFile(reportFile, `${JSON.stringify(report, null, 2)}\n`);
  const s = report.summary;
  opts.print(`requests ${s.requests}  errors ${s.errors}  dropped ${s.dropped}  offered ${s.offered_rps}/s  achieved ${s.achieved_rps}/s`);
  opts.print(`report: ${reportFile}`);
  return { exitCode: 0, reportFile };
};
