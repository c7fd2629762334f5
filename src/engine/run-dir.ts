/**
 * The run directory as the engine writes it (formats in src/run/format.ts):
 * the input files, run.json (written first marked "interrupted", rewritten at
 * the end), windows, events and tenants as NDJSON, and the optional request
 * log. Records are written in the order they arrive, one write at a time;
 * a failed write surfaces at `finish`.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { inputError } from '../core/errors.js';
import { redactDeep } from '../core/secrets.js';
import { RUN_FILES, type EventRecord, type RequestRecord, type RunMeta, type TenantRecord, type WindowRecord } from '../run/format.js';
import { createNdjsonWriter, type NdjsonWriter } from '../run/ndjson.js';

export interface RunDirWriter {
  /** Absolute path of the run directory. */
  dir: string;
  /** run.json as it stands (redacted when written). */
  writeMeta(meta: RunMeta): Promise<void>;
  windows(records: readonly WindowRecord[]): void;
  event(record: EventRecord): void;
  /** Whether a request log was asked for (`--log-requests`). */
  logsRequests: boolean;
  requests(records: readonly RequestRecord[]): void;
  tenants(records: readonly TenantRecord[]): void;
  /** Waits for every queued write and closes the files; throws the first failed write. */
  finish(): Promise<void>;
  /** Closes the files without waiting for a clean end (setup failed). */
  abandon(): Promise<void>;
}

/**
 * Creates the run directory (refusing one that holds a run unless `force`)
 * and copies the input texts into it (`${VARS}` unexpanded).
 */
export const createRunDir = async (opts: {
  outDir: string; force?: boolean; logRequestsFile?: string | null;
  files?: { scenarioText?: string | null; profileText?: string | null };
}): Promise<RunDirWriter> => {
  const dir = resolve(opts.outDir);
  if (opts.force !== true && existsSync(join(dir, RUN_FILES.meta))) {
    throw inputError('--out', `${dir} already holds a run`, { hint: 'choose another --out directory (or delete that one)', code: 'PS_OUT_EXISTS' });
  }
  await mkdir(dir, { recursive: true });
  if (opts.files?.scenarioText) await writeFile(join(dir, RUN_FILES.scenario), opts.files.scenarioText);
  if (opts.files?.profileText) await writeFile(join(dir, RUN_FILES.profile), opts.files.profileText);
  const windowsOut = createNdjsonWriter(join(dir, RUN_FILES.windows));
  const eventsOut = createNdjsonWriter(join(dir, RUN_FILES.events));
  const requestsOut: NdjsonWriter | null = opts.logRequestsFile ? createNdjsonWriter(resolve(opts.logRequestsFile)) : null;
  let tenantsOut: NdjsonWriter | null = null;
  let writes: Promise<void> = Promise.resolve();
  const queue = (f: () => Promise<void>): void => {
    writes = writes.then(f);
  };
  const writeAll = <T>(out: NdjsonWriter, records: readonly T[]): void => queue(() => out.writeMany(records));
  return {
    dir,
    writeMeta: (meta) => writeFile(join(dir, RUN_FILES.meta), `${JSON.stringify(redactDeep(meta), null, 2)}\n`),
    windows: (records) => writeAll(windowsOut, records),
    event: (record) => writeAll(eventsOut, [record]),
    logsRequests: requestsOut !== null,
    requests: (records) => {
      if (requestsOut !== null) writeAll(requestsOut, records);
    },
    tenants: (records) => {
      tenantsOut ??= createNdjsonWriter(join(dir, RUN_FILES.tenants));
      writeAll(tenantsOut, records);
    },
    finish: async () => {
      await writes;
      await Promise.all([windowsOut.close(), eventsOut.close(), tenantsOut?.close(), requestsOut?.close()]);
    },
    abandon: async () => {
      await Promise.allSettled([windowsOut.close(), eventsOut.close(), requestsOut?.close()]);
    },
  };
};
