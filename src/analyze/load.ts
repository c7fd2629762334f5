/**
 * Reads a run directory (src/run/format.ts) into memory for analysis. Windows
 * are small (one line per second × endpoint × tenant class), so they are
 * loaded whole; histograms stay encoded until a detector needs them.
 */
import { existsSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError, inputError } from '../core/errors.js';
import {
  RUN_FILES, readNdjson,
  type EventRecord, type RunMeta, type ScrapeRecord, type TenantRecord, type WindowRecord,
} from '../run/index.js';
import { checkEventRecord, checkRunMeta, checkScrapeRecord, checkTenantRecord, checkWindowRecord, type FieldProblem } from '../run/validate.js';

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

/** Where a warning about a tolerated damage goes (a torn last line). */
export type OnWarning = (message: string) => void;

const damaged = (file: string, line: number | null, p: FieldProblem): InputError =>
  new InputError([{ file, line, field: p.field, message: p.message }], { hint: 'the run directory is damaged: re-run, or restore the file', code: 'PS_RUN_DAMAGED' });

/** True when the file's last byte is not a newline (what a writer killed mid-line leaves). */
const endsWithoutNewline = async (file: string): Promise<boolean> => {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    if (size === 0) return false;
    const buf = Buffer.alloc(1);
    await fh.read(buf, 0, 1, size - 1);
    return buf[0] !== 0x0a;
  } finally {
    await fh.close();
  }
};

/**
 * Reads one NDJSON file of the run directory, checking every record. A last
 * line cut short (a `{` with no newline after it: the writer was killed) is
 * dropped with a warning; any other line that is not a sound record is an
 * InputError naming the file, the line and the field.
 */
const readRecords = async <T>(dir: string, name: string, check: (v: unknown) => FieldProblem | null, onWarning: OnWarning): Promise<T[]> => {
  const file = join(dir, name);
  if (!existsSync(file)) return [];
  const out: T[] = [];
  let unparsed: { line: number; error: string; text: string } | null = null;
  try {
    for await (const r of readNdjson<unknown>(file)) {
      if (unparsed !== null) throw damaged(file, unparsed.line, { field: '', message: `not JSON (${unparsed.error})` });
      if (r.error !== undefined) {
        unparsed = { line: r.line, error: r.error, text: r.text };
        continue;
      }
      const p = check(r.value);
      if (p !== null) throw damaged(file, r.line, p);
      out.push(r.value as T);
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw inputError('', `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file });
  }
  if (unparsed !== null) {
    if (!unparsed.text.trimStart().startsWith('{') || !(await endsWithoutNewline(file))) {
      throw damaged(file, unparsed.line, { field: '', message: `not JSON (${unparsed.error})` });
    }
    onWarning(`${file}:${unparsed.line}: the last line is cut short (the run was killed while writing it); it is left out`);
  }
  return out;
};

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
  if (p !== null) throw damaged(metaFile, null, p);
  const scenarioFile = join(dir, RUN_FILES.scenario);
  return {
    dir,
    meta: meta as RunMeta,
    windows: await readRecords<WindowRecord>(dir, RUN_FILES.windows, checkWindowRecord, onWarning),
    tenants: await readRecords<TenantRecord>(dir, RUN_FILES.tenants, checkTenantRecord, onWarning),
    events: await readRecords<EventRecord>(dir, RUN_FILES.events, checkEventRecord, onWarning),
    scrapes: await readRecords<ScrapeRecord>(dir, RUN_FILES.metrics, checkScrapeRecord, onWarning),
    scenarioText: existsSync(scenarioFile) ? await readFile(scenarioFile, 'utf8') : null,
  };
};

/** Number of whole seconds the timeline covers: the measured duration, or the last window when later. */
export const timelineLength = (run: LoadedRun): number => {
  const lastWindow = run.windows.reduce((m, w) => Math.max(m, w.t_s + 1), 0);
  return Math.max(Math.ceil(run.meta.duration_s - 1e-9), lastWindow, 0);
};
