/**
 * `replay --out-prometheus URL`: after the run and its report, the run's
 * per-second numbers, per tenant size class too (read again from the run's
 * windows), and its breaks (observe/run-series.ts) are sent to a Prometheus
 * remote-write receiver in one request (a run's series are small). The URL
 * was checked with the run's other outbound URLs before any load; a refusal
 * or an unreachable receiver is a warning (the run and its report stand), and
 * nothing is retried.
 */
import { basename } from 'node:path';
import type { Dispatcher } from 'undici';
import { loadRun, type Report } from '../analyze/index.js';
import { buildSeries, type RunSeries } from '../analyze/series.js';
import { errorMessage } from '../core/errors.js';
import { redact, redactUrl } from '../core/secrets.js';
import { remoteWrite } from '../observe/remote-write.js';
import { runSeries } from '../observe/run-series.js';

/** Timeout of the write. */
const WRITE_TIMEOUT_MS = 30_000;

/** Writes the run's series; says what was written, or why not, on `log`. Never throws for the receiver's sake. */
export const writeRunSeries = async (
  runDir: string, report: Report, startedAtMs: number, url: URL, dispatcher: Dispatcher, log: (line: string) => void,
): Promise<boolean> => {
  let classes: RunSeries | null = null;
  try {
    const run = await loadRun(runDir);
    classes = buildSeries(run.windows, run.meta.endpoints, report.timeline.length);
  } catch (e) {
    log(`warning: the per-class series are left out: cannot read the run's windows: ${redact(errorMessage(e))}`);
  }
  const series = runSeries(report, { startedAtMs, run: basename(runDir), scenario: report.scenario ?? '' }, classes);
  try {
    await remoteWrite(url, series, { timeoutMs: WRITE_TIMEOUT_MS, dispatcher });
    const samples = series.reduce((n, s) => n + s.samples.length, 0);
    log(`wrote ${series.length} series (${samples} samples, run="${basename(runDir)}") to ${redactUrl(url)}`);
    return true;
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    log(`warning: remote write to ${redactUrl(url)} failed: ${redact(errorMessage(e))}${cause ? ` (${cause})` : ''}; the run and its report are complete`);
    return false;
  }
};
