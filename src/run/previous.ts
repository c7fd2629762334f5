/**
 * A previous run's files in a directory about to hold a new run (`--force`):
 * removed first, so none of them (a request log, a scrape file, a report)
 * mixes into the new run. Other files in the directory are left alone.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { OBSERVE_FILES, RUN_FILES } from './format.js';

/** Every file name a run directory may hold (the run's and the observers'). */
export const PREVIOUS_RUN_FILES: readonly string[] = [...new Set([...Object.values(RUN_FILES), ...Object.values(OBSERVE_FILES)])];

/** Removes a previous run's files from `dir` (missing ones are fine). */
export const removePreviousRunFiles = (dir: string): void => {
  for (const f of PREVIOUS_RUN_FILES) rmSync(join(dir, f), { force: true });
};
