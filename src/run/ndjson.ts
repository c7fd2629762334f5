/**
 * NDJSON files, streamed: a writer that buffers lines and a reader that yields
 * parsed records one at a time with their line numbers (a multi-GB file never
 * sits in memory). Gzip input is decompressed on the fly (core/lines.ts).
 */
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { once } from 'node:events';
import { InputError, inputError } from '../core/errors.js';
import { openLines } from '../core/lines.js';
import type { FieldProblem } from './validate.js';

/** Yields `{ line, value }` for each non-empty line; a line that is not JSON yields `{ line, error }`. */
export async function* readNdjson<T>(file: string): AsyncGenerator<{ line: number; value?: T; error?: string; text: string }> {
  let line = 0;
  for await (const text of openLines(file)) {
    line++;
    if (text.trim() === '') continue;
    try {
      yield { line, value: JSON.parse(text) as T, text };
    } catch (e) {
      yield { line, error: (e as Error).message, text };
    }
  }
}

/** A damaged record of a run directory: exit 1 naming the file, the line and the field. */
export const damagedRecord = (file: string, line: number | null, p: FieldProblem): InputError =>
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
 * Reads an NDJSON file that prodshape wrote (a run directory's records, the
 * observers' files), with one policy for damage: a last line cut short (a
 * `{` with no newline after it: the writer was killed) is left out and told
 * to `onWarning`; any other line that is not JSON, or that `check` finds
 * unsound, is an InputError naming the file, the line and the field. A
 * missing file holds no records.
 */
export const readRecords = async <T>(
  file: string,
  onWarning: (message: string) => void,
  opts: { check?: (v: unknown) => FieldProblem | null; /** How the warning names the file [its path]. */ name?: string } = {},
): Promise<T[]> => {
  const check = opts.check ?? ((): null => null);
  if (!existsSync(file)) return [];
  const out: T[] = [];
  let unparsed: { line: number; error: string; text: string } | null = null;
  try {
    for await (const r of readNdjson<unknown>(file)) {
      if (unparsed !== null) throw damagedRecord(file, unparsed.line, { field: '', message: `not JSON (${unparsed.error})` });
      if (r.error !== undefined) {
        unparsed = { line: r.line, error: r.error, text: r.text };
        continue;
      }
      const p = check(r.value);
      if (p !== null) throw damagedRecord(file, r.line, p);
      out.push(r.value as T);
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw inputError('', `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file });
  }
  if (unparsed !== null) {
    if (!unparsed.text.trimStart().startsWith('{') || !(await endsWithoutNewline(file))) {
      throw damagedRecord(file, unparsed.line, { field: '', message: `not JSON (${unparsed.error})` });
    }
    onWarning(`${opts.name ?? file}:${unparsed.line}: the last line is cut short (the run was killed while writing it); it is left out`);
  }
  return out;
};

/** An append-only NDJSON writer with backpressure. */
export interface NdjsonWriter {
  write(record: unknown): Promise<void>;
  /**
   * Writes `records` in order, WRITE_CHUNK at a time, one stream write each, and yields to the event loop
   * between chunks: a run's request log (thousands of records per tenth of a second at high rates) is
   * serialized in slices of a fraction of a millisecond, between sends, not in one block that delays them.
   */
  writeMany(records: readonly unknown[]): Promise<void>;
  close(): Promise<void>;
}

/** Records serialized per slice by `writeMany`: request records take about 0.1 ms per slice (median of 200, warm). */
export const WRITE_CHUNK = 128;

export const createNdjsonWriter = (file: string): NdjsonWriter => {
  const stream: WriteStream = createWriteStream(file, { flags: 'w' });
  return {
    async write(record) {
      if (!stream.write(`${JSON.stringify(record)}\n`)) await once(stream, 'drain');
    },
    async writeMany(records) {
      for (let i = 0; i < records.length; i += WRITE_CHUNK) {
        if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
        let text = '';
        const end = Math.min(records.length, i + WRITE_CHUNK);
        for (let j = i; j < end; j++) text += `${JSON.stringify(records[j])}\n`;
        if (!stream.write(text)) await once(stream, 'drain');
      }
    },
    async close() {
      await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
    },
  };
};
