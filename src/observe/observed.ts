/**
 * The observers' files of a run directory, loaded once (`loadObserved`) for
 * the pure findings that read them (findings.ts, plan-changes.ts,
 * slow-queries.ts): metrics, pg_stat_activity, statements, plans, the server
 * log, the events and the per-second counts of windows.ndjson.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RUN_FILES, type EventRecord, type WindowRecord } from '../run/format.js';
import { readRecords } from '../run/ndjson.js';
import {
  OBSERVE_FILES, type ActivityRecord, type LogRecord, type ObservedScrapeRecord, type ObserveMeta, type PlanRecord, type StatementsRecord,
} from './files.js';

/** The observe files of a run directory, loaded (missing files are empty). */
export interface Observed {
  meta: ObserveMeta | null;
  /** metrics.ndjson and promql.ndjson, in time order. */
  scrapes: ObservedScrapeRecord[];
  activity: ActivityRecord[];
  statements: StatementsRecord[];
  plans: PlanRecord[];
  log: LogRecord[];
  events: EventRecord[];
  /** Per second: offered arrivals and completed responses (from windows.ndjson). */
  offered: number[];
  completed: number[];
  /** Lines that could not be read. */
  problems: string[];
}

/** One file of the run, read with the run directory's policy (a torn last line is a problem noted, any other damage an error). */
const readAll = <T>(dir: string, name: string, problems: string[]): Promise<T[]> => readRecords<T>(join(dir, name), (m) => problems.push(m), { name });

/** Loads the observe files (and the windows' per-second counts) of a run directory. */
export const loadObserved = async (runDir: string): Promise<Observed> => {
  const metaFile = join(runDir, OBSERVE_FILES.meta);
  const problems: string[] = [];
  const windows = await readAll<WindowRecord>(runDir, RUN_FILES.windows, problems);
  const n = windows.reduce((m, w) => Math.max(m, w.t_s + 1), 0);
  const offered = new Array<number>(n).fill(0);
  const completed = new Array<number>(n).fill(0);
  for (const w of windows) {
    offered[w.t_s] = (offered[w.t_s] ?? 0) + w.offered;
    completed[w.t_s] = (completed[w.t_s] ?? 0) + w.completed_in_window;
  }
  let meta: ObserveMeta | null = null;
  if (existsSync(metaFile)) {
    try {
      meta = JSON.parse(await readFile(metaFile, 'utf8')) as ObserveMeta;
    } catch (e) {
      problems.push(`${OBSERVE_FILES.meta}: not valid JSON (${(e as Error).message})`);
    }
  }
  return {
    meta,
    scrapes: [
      ...await readAll<ObservedScrapeRecord>(runDir, OBSERVE_FILES.metrics, problems),
      ...await readAll<ObservedScrapeRecord>(runDir, OBSERVE_FILES.promql, problems),
    ].sort((a, b) => a.t_s - b.t_s),
    activity: await readAll(runDir, OBSERVE_FILES.activity, problems),
    statements: await readAll(runDir, OBSERVE_FILES.statements, problems),
    plans: await readAll(runDir, OBSERVE_FILES.plans, problems),
    log: await readAll(runDir, OBSERVE_FILES.log, problems),
    events: await readAll(runDir, RUN_FILES.events, problems),
    offered,
    completed,
    problems,
  };
};

