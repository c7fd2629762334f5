/**
 * Reads a run directory (src/run/format.ts) into memory for analysis. Windows
 * are small (one line per second × endpoint × tenant class), so they are
 * loaded whole; histograms stay encoded until a detector needs them.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inputError } from '../core/errors.js';
import {
  RUN_FILES, readNdjsonAll,
  type EventRecord, type RunMeta, type ScrapeRecord, type TenantRecord, type WindowRecord,
} from '../run/index.js';

export interface LoadedRun {
  dir: string;
  meta: RunMeta;
  windows: WindowRecord[];
  tenants: TenantRecord[];
  events: EventRecord[];
  scrapes: ScrapeRecord[];
  /** The scenario's text as recorded, or null. */
  scenarioText: string | null;
}

const readOptional = async <T>(dir: string, name: string): Promise<T[]> => {
  const file = join(dir, name);
  return existsSync(file) ? readNdjsonAll<T>(file) : [];
};

/** Loads a run directory; a missing or unreadable run.json is an input error. */
export const loadRun = async (dir: string): Promise<LoadedRun> => {
  const metaFile = join(dir, RUN_FILES.meta);
  if (!existsSync(metaFile)) {
    throw inputError('', 'not a prodshape run directory (no run.json)', { file: dir, hint: 'pass the --out DIR of a `prodshape replay` run' });
  }
  let meta: RunMeta;
  try {
    meta = JSON.parse(await readFile(metaFile, 'utf8')) as RunMeta;
  } catch (e) {
    throw inputError('', `run.json is not valid JSON (${(e as Error).message})`, { file: metaFile });
  }
  const scenarioFile = join(dir, RUN_FILES.scenario);
  return {
    dir,
    meta,
    windows: await readOptional<WindowRecord>(dir, RUN_FILES.windows),
    tenants: await readOptional<TenantRecord>(dir, RUN_FILES.tenants),
    events: await readOptional<EventRecord>(dir, RUN_FILES.events),
    scrapes: await readOptional<ScrapeRecord>(dir, RUN_FILES.metrics),
    scenarioText: existsSync(scenarioFile) ? await readFile(scenarioFile, 'utf8') : null,
  };
};

/** Number of whole seconds the timeline covers: the measured duration, or the last window when later. */
export const timelineLength = (run: LoadedRun): number => {
  const lastWindow = run.windows.reduce((m, w) => Math.max(m, w.t_s + 1), 0);
  return Math.max(Math.ceil(run.meta.duration_s - 1e-9), lastWindow, 0);
};
