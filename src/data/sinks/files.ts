/**
 * The file sink: one `TABLE.csv` (header, RFC 4180, COPY-ready) or
 * `TABLE.ndjson` per table in a directory. Each file is written as
 * `NAME.partial` and renamed when complete, so an interrupted run never leaves
 * a file that looks whole.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { join } from 'node:path';
import { RunError, errorMessage } from '../../core/errors.js';
import type { FileFormat } from '../rows.js';
import type { Sink, TableWriter } from '../sink.js';

/** File name of a table's data in `format`. */
export const dataFileName = (table: string, format: FileFormat): string => `${table}.${format}`;

/** Writes a stream chunk, waiting for 'drain' when the stream's buffer is full. */
export const writeWithBackpressure = async (stream: NodeJS.WritableStream, chunk: Buffer | string): Promise<void> => {
  if (!stream.write(chunk)) await once(stream as WriteStream, 'drain');
};

/** A sink writing one file per table into `dir` (created if missing). */
export const fileSink = (dir: string, format: FileFormat): Sink & { files: Record<string, string> } => {
  const files: Record<string, string> = {};
  const open = new Set<WriteStream>();
  const partials = new Set<string>();
  return {
    formatFor: () => format,
    files,
    async begin() {
      try {
        await mkdir(dir, { recursive: true });
      } catch (e) {
        throw new RunError('PS_OUT_DIR', `cannot create the output directory ${dir}: ${errorMessage(e)}`, { hint: 'give --out a directory you can write to' });
      }
    },
    openTable(table): Promise<TableWriter> {
      const name = dataFileName(table.name, format);
      const path = join(dir, name);
      const partial = `${path}.partial`;
      const stream = createWriteStream(partial, { highWaterMark: 1 << 20 });
      open.add(stream);
      partials.add(partial);
      if (format === 'csv') stream.write(table.csvHeader);
      return Promise.resolve({
        write: (chunk) => writeWithBackpressure(stream, chunk),
        async end() {
          stream.end();
          await finished(stream);
          open.delete(stream);
          await rename(partial, path);
          partials.delete(partial);
          files[table.name] = name;
        },
      });
    },
    async abort() {
      for (const s of open) s.destroy();
      await Promise.allSettled([...partials].map((p) => rm(p, { force: true })));
    },
  };
};
