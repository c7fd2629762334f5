/**
 * Reads a run directory (src/run/format.ts) into memory for analysis. Windows
 * are small (one line per second × endpoint × tenant class), so they are
 * loaded whole; histograms stay encoded until a detector needs them.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inputError } from '../core/errors.js';
import { damagedRecord, readRecords } from '../run/ndjson.js';
import {
  OBSERVE_FILES, RUN_FILES,
  type EventRecord, type RunMeta, type ScrapeRecord, type TenantRecord, type WindowRecord,
} from '../run/index.js';
import { runClock, type ProfileClock } from '../traffic/clock.js';
import { checkEventRecord, checkRunMeta, checkScrapeRecord, checkTenantRecord, checkWindowRecord, type FieldProblem } from '../run/validate.js';

export interface LoadedRun {
  dir: string;
  meta: RunMeta;
  windows: WindowRecord[];
  tenants: TenantRecord[];
  events: EventRecord[];
  /** metrics.ndjson (scraped) and promql.ndjson (read from a Prometheus server), in time order. */
  scrapes: ScrapeRecord[];
  /** The scenario's text as recorded, or null. */
  scenarioText: string | null;
  /** The profile clock (after the run's `--speed`), or null when the profile has none (or the run no profile.yaml); absent in runs built in code. */
  clock?: ProfileClock | null;
}

/** Where a warning about a tolerated damage goes (a torn last line). */
export type OnWarning = (message: string) => void;

/** One record file of the run directory, each record checked (run/ndjson.ts `readRecords`: a torn last line is a warning). */
const readChecked = <T>(dir: string, name: string, check: (v: unknown) => FieldProblem | null, onWarning: OnWarning): Promise<T[]> =>
  readRecords<T>(join(dir, name), onWarning, { check });

/** Records in time order (a stable sort: scrapes of one time keep their file order). */
const byTime = <T extends { t_s: number }>(xs: T[]): T[] => xs.sort((a, b) => a.t_s - b.t_s);

/** Loads a run directory; a missing, unreadable or damaged file is an input error naming the file, line and field. */
export const loadRun = async (dir: string, onWarning: OnWarning = () => undefined): Promise<LoadedRun> => {
  const metaFile = join(dir, RUN_FILES.meta);
  if (!existsSync(metaFile)) {
    throw inputError('', 'not a prodshape run directory (no run.json)', { file: dir, hint: 'pass the --out DIR of a `prodshape replay` run' });
  }
  let meta: unknown;
  try {
    meta = JSON.parse(await readFile(metaFile, 'utf8'));
  } catch (e) {
    throw inputError('', `run.json is not valid JSON (${(e as Error).message})`, { file: metaFile });
  }
  const p = checkRunMeta(meta);
  if (p !== null) throw damagedRecord(metaFile, null, p);
  const scenarioFile = join(dir, RUN_FILES.scenario);
  const profileFile = join(dir, RUN_FILES.profile);
  const profileText = existsSync(profileFile) ? await readFile(profileFile, 'utf8') : null;
  return {
    dir,
    meta: meta as RunMeta,
    windows: await readChecked<WindowRecord>(dir, RUN_FILES.windows, checkWindowRecord, onWarning),
    tenants: await readChecked<TenantRecord>(dir, RUN_FILES.tenants, checkTenantRecord, onWarning),
    events: await readChecked<EventRecord>(dir, RUN_FILES.events, checkEventRecord, onWarning),
    scrapes: byTime([
      ...await readChecked<ScrapeRecord>(dir, RUN_FILES.metrics, checkScrapeRecord, onWarning),
      ...await readChecked<ScrapeRecord>(dir, OBSERVE_FILES.promql, checkScrapeRecord, onWarning),
    ]),
    scenarioText: existsSync(scenarioFile) ? await readFile(scenarioFile, 'utf8') : null,
    clock: runClock(profileText, (meta as RunMeta).speed, onWarning),
  };
};

/** Number of whole seconds the timeline covers: the measured duration, or the last window when later. */
export const timelineLength = (run: LoadedRun): number => {
  const lastWindow = run.windows.reduce((m, w) => Math.max(m, w.t_s + 1), 0);
  return Math.max(Math.ceil(run.meta.duration_s - 1e-9), lastWindow, 0);
};
