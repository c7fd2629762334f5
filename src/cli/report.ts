/**
 * `prodshape report DIR`: re-analyses a run directory and re-renders
 * report.json, report.html and the terminal summary, so the analysis can
 * improve without re-running load. Exit 4 for an interrupted run, else 2 when
 * an SLO fails. `--slo` replaces the SLOs recorded in run.json. `--prometheus
 * URL` first reads the run's pool gauges again from a Prometheus server.
 * (`report --from-k6 FILE --out DIR` belongs to the k6 importer.)
 */
import type { Argv, CommandModule } from 'yargs';
import { inputError } from '../core/errors.js';
import { ensureOutputFile } from '../core/out-paths.js';
import { analyzeObservedRun, finishObservedRun, rereadPrometheusFor, writeObservedReports } from '../app/report.js';
import { exitCodeOf } from '../report/index.js';
import { ALLOW_REMOTE, FORCE, option, OUT, SLO } from './flags.js';
import { importK6ForReport } from './k6.js';
import { err, out, terminalWidth, useColor } from './output.js';

interface ReportArgs {
  dir?: string;
  slo?: string[];
  junit?: string;
  json?: boolean;
  html?: boolean;
  'from-k6'?: string[];
  out?: string;
  force?: boolean;
  prometheus?: string;
  'allow-remote'?: boolean;
}


export const reportCommand: CommandModule<object, ReportArgs> = {
  builder: (y: Argv) =>
    y
      .positional('dir', { type: 'string', describe: 'run directory written by `prodshape replay --out DIR`' })
      .option(...option(SLO, { describe: "SLO to check instead of the run's own (run.json): 'p99<300ms', 'list-orders:p95<100ms', 'errors<1%' (repeatable)" }))
      .option('junit', { type: 'string', describe: 'also write JUnit XML (one test case per SLO) to this file' })
      .option('json', { type: 'boolean', default: false, describe: 'print report.json to stdout instead of the summary' })
      .option('html', { type: 'boolean', default: true, describe: 'write report.html (--no-html to skip)' })
      .option('from-k6', { type: 'string', array: true, describe: 'import k6 results (k6 run --out json=FILE, .gz too; one file per runner) into --out DIR, then report' })
      .option(...option(OUT, { describe: 'with --from-k6: the run directory to create' }))
      .option(...option(FORCE, { describe: 'with --from-k6: import into a non-empty --out directory (a previous run\'s files in it are replaced)' }))
      .option('prometheus', { type: 'string', describe: "read the run's pool gauges again from this Prometheus server (base URL; the queries of the run's observe.prometheus_server)" })
      .option(...option(ALLOW_REMOTE, { describe: 'with --prometheus: allow a server outside loopback and private networks' }))
      .example('$0 report runs/monday', 're-render a run')
      .example("$0 report runs/monday --slo 'p99<300ms' --junit junit.xml", 'check an SLO in CI')
      .example('$0 report runs/monday --prometheus http://127.0.0.1:9090', "re-read the run's pool gauges from a Prometheus server, then re-render")
      .example('$0 report --from-k6 runner-*.json.gz --out runs/k6-spike', 'read k6 results (k6 run --out json=…) into a run directory and report'),
  handler: async (argv) => {
    const k6Files = argv['from-k6'];
    if (k6Files !== undefined) {
      if (argv.out === undefined) throw inputError('--out', 'name the run directory to create from the k6 results', { hint: 'prodshape report --from-k6 results.json.gz --out runs/NAME' });
      if (argv.dir !== undefined) throw inputError('DIR', 'give a run directory or --from-k6 FILE… --out DIR, not both');
      await importK6ForReport(k6Files, argv.out, argv.json ? err : out, argv.force === true);
      argv.dir = argv.out;
    }
    if (argv.dir === undefined) throw inputError('DIR', 'name the run directory to report on', { hint: 'prodshape report runs/NAME' });
    // The JUnit file is rewritten on every report (CI reruns), but never a directory, and checked before report.json is written.
    if (argv.junit !== undefined) ensureOutputFile(argv.junit, '--junit', true);
    const slo = argv.slo ?? [];
    const onWarning = (m: string): void => err(`warning: ${m}`);
    if (argv.prometheus !== undefined) {
      const read = await rereadPrometheusFor(argv.dir, argv.prometheus, { allowRemote: argv['allow-remote'] === true });
      if (read.error !== null) onWarning(`query_range on ${read.url} failed: ${read.error}; the report has no pool gauges from it`);
      else err(`read the run's window from ${read.url}${read.instances === null ? '' : ` (${read.instances.length} instance${read.instances.length === 1 ? '' : 's'})`}`);
    }
    if (argv.json) {
      const report = await analyzeObservedRun(argv.dir, { slo, onWarning });
      await writeObservedReports(argv.dir, report, { html: argv.html, junitFile: argv.junit ?? null });
      out(JSON.stringify(report, null, 2));
      process.exitCode = exitCodeOf(report);
      return;
    }
    const res = await finishObservedRun(argv.dir, { slo, onWarning, junitFile: argv.junit ?? null, print: out, color: useColor(), width: terminalWidth(), html: argv.html });
    process.exitCode = res.exitCode;
  },
};
