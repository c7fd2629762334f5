/**
 * `prodshape compare A B`: what got slower from run A (before) to run B
 * (after). Each side is a run directory (re-analysed) or, without run.json,
 * a directory or file holding report.json. `--fail-on-regression` exits 2
 * when B is slower, has new breaks or newly failing SLOs (a CI gate between
 * releases).
 */
import { existsSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { EXIT, inputError } from '../core/errors.js';
import { prepareOutputFile } from '../core/out-paths.js';
import { FORCE, option, OUT, readOutFile, SLO } from './flags.js';
import { compareReports, type Report } from '../analyze/index.js';
import { analyzeObservedRun } from '../app/report.js';
import { RUN_FILES } from '../run/format.js';
import { renderComparison } from '../report/index.js';
import { out, terminalWidth, useColor } from './output.js';

interface CompareArgs {
  a: string;
  b: string;
  slo?: string[];
  threshold: string;
  json: boolean;
  out?: string;
  'fail-on-regression': boolean;
  force: boolean;
}

/** Loads one side: a run directory (re-analysed), or a report.json (file, or a directory holding one). */
export const loadSide = async (path: string, slo: string[]): Promise<Report> => {
  if (!existsSync(path)) throw inputError('', 'no such run directory or report.json', { file: path });
  const isDir = statSync(path).isDirectory();
  if (isDir && existsSync(join(path, RUN_FILES.meta))) return analyzeObservedRun(path, { slo });
  const file = isDir ? join(path, RUN_FILES.report) : path;
  if (!existsSync(file)) throw inputError('', 'neither a run directory (run.json) nor a report.json', { file: path, hint: 'pass the --out DIR of a `prodshape replay` run' });
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw inputError('', `not valid JSON (${(e as Error).message})`, { file });
  }
  const r = parsed as Partial<Report>;
  if (r.version !== 1 || !Array.isArray(r.endpoints) || !Array.isArray(r.breaks) || typeof r.summary !== 'object') {
    throw inputError('version', 'expected a prodshape report.json (version 1)', { file });
  }
  return { slo: [], ...r } as Report;
};

/** `10%` or `0.1` → 0.1. */
const parseThreshold = (s: string): number => {
  const m = /^(\d+(?:\.\d+)?)(%)?$/.exec(s.trim());
  const v = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!(v >= 0 && v < 10)) throw inputError('--threshold', `expected a percentage such as 10% (or a fraction such as 0.1), got ${JSON.stringify(s)}`);
  return v;
};

export const compareCommand: CommandModule<object, CompareArgs> = {
  builder: (y: Argv) =>
    y
      .positional('a', { type: 'string', demandOption: true, describe: 'the earlier run (directory or report.json)' })
      .positional('b', { type: 'string', demandOption: true, describe: 'the later run (directory or report.json)' })
      .option(...option(SLO, { describe: 'SLOs to judge both runs by (repeatable)' }))
      .option('threshold', { type: 'string', default: '10%', describe: 'a p99 increase above this counts as slower' })
      .option('json', { type: 'boolean', default: false, describe: 'print the comparison as JSON' })
      .option(...option(OUT, { describe: 'also write the comparison JSON to this file' }))
      .option('fail-on-regression', { type: 'boolean', default: false, describe: 'exit 2 when B is slower, has new breaks or newly failing SLOs' })
      .option(...option(FORCE, { describe: 'overwrite an existing --out file' }))
      .example('$0 compare runs/v1.4 runs/v1.5', 'before and after a release'),
  handler: async (argv) => {
    const regressionPct = parseThreshold(argv.threshold);
    readOutFile(argv);
    const slo = SLO.read(argv);
    const [a, b] = await Promise.all([loadSide(argv.a, slo), loadSide(argv.b, slo)]);
    const cmp = compareReports(a, b, [argv.a, argv.b], { regressionPct });
    if (argv.out !== undefined) {
      prepareOutputFile(argv.out, '--out');
      await writeFile(argv.out, `${JSON.stringify(cmp, null, 2)}\n`);
    }
    out(argv.json ? JSON.stringify(cmp, null, 2) : renderComparison(cmp, { color: useColor(), width: terminalWidth() }));
    process.exitCode = argv['fail-on-regression'] && cmp.regressed ? EXIT.checkFailed : EXIT.ok;
  },
};
