/**
 * The observers' ndjson files in a run directory: one writer per file, opened
 * on the first record, every record redacted (`redactDeep`) before it is
 * written.
 */
import { join } from 'node:path';
import { redactDeep } from '../core/secrets.js';
import { createNdjsonWriter, type NdjsonWriter } from '../run/ndjson.js';

/** Appends `rec` to `file` in `runDir` (nothing before the run binds a directory). */
export const writeRecord = async (writers: Map<string, NdjsonWriter>, runDir: string | null, file: string, rec: unknown): Promise<void> => {
  if (runDir === null) return;
  let w = writers.get(file);
  if (w === undefined) {
    w = createNdjsonWriter(join(runDir, file));
    writers.set(file, w);
  }
  await w.write(redactDeep(rec));
};
