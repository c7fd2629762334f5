/**
 * NDJSON files, streamed: a writer that buffers lines and a reader that yields
 * parsed records one at a time with their line numbers (a multi-GB file never
 * sits in memory). Gzip input is decompressed on the fly (core/lines.ts).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { openLines } from '../core/lines.js';

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

/** Reads a whole NDJSON file into an array; throws on the first bad line (for files prodshape wrote). */
export const readNdjsonAll = async <T>(file: string): Promise<T[]> => {
  const out: T[] = [];
  for await (const r of readNdjson<T>(file)) {
    if (r.error !== undefined) throw new Error(`${file}:${r.line}: not JSON (${r.error})`);
    out.push(r.value as T);
  }
  return out;
};

/** An append-only NDJSON writer with backpressure. */
export interface NdjsonWriter {
  write(record: unknown): Promise<void>;
  close(): Promise<void>;
}

export const createNdjsonWriter = (file: string): NdjsonWriter => {
  const stream: WriteStream = createWriteStream(file, { flags: 'w' });
  return {
    async write(record) {
      if (!stream.write(`${JSON.stringify(record)}\n`)) await once(stream, 'drain');
    },
    async close() {
      await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
    },
  };
};
