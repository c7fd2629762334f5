/**
 * Streaming a log file (core/lines.ts: plain or gzip, bounded memory), with
 * errors that name the log file for people.
 */
import type { Readable } from 'node:stream';
import { isGzipFile as isGzip, lineBatches as coreLineBatches, openTextStream } from '../../core/lines.js';
import { inputError } from '../../core/errors.js';

/** True when the file starts with the gzip magic bytes 1f 8b; an unreadable file is an InputError. */
export const isGzipFile = async (file: string): Promise<boolean> => {
  try {
    return await isGzip(file);
  } catch (e) {
    throw inputError('--log', `cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { file, hint: 'check the path of the log file' });
  }
};

/** A readable stream of the file's bytes, decompressed when it is gzip. */
export const openLogStream = async (file: string, highWaterMark = 256 * 1024): Promise<Readable> => {
  await isGzipFile(file);
  return openTextStream(file, { highWaterMark });
};

/** Wraps stream errors (a truncated or corrupt gzip file) as an InputError naming the file. */
export const streamError = (file: string, e: unknown): Error => {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  if (code.startsWith('Z_') || /unexpected end of file|incorrect header/i.test((e as Error).message ?? '')) {
    return inputError('--log', `cannot decompress (${(e as Error).message})`, { file, hint: 'the gzip file is truncated or corrupt; `gzip -t FILE` checks it' });
  }
  return e instanceof Error ? e : new Error(String(e));
};

/** Lines of a log stream in batches (core/lines.ts); stream errors name the file. */
export const lineBatches = (stream: Readable, file: string): AsyncGenerator<string[]> => coreLineBatches(stream, (e) => streamError(file, e));

/** The first `maxLines` lines of a file (decompressed), for format detection. Reads at most ~1 MB. */
export const headLines = async (file: string, maxLines: number): Promise<string[]> => {
  const stream = await openLogStream(file, 64 * 1024);
  const out: string[] = [];
  let bytes = 0;
  for await (const batch of lineBatches(stream, file)) {
    for (const l of batch) {
      out.push(l);
      bytes += l.length;
      if (out.length >= maxLines || bytes > 1_000_000) break;
    }
    if (out.length >= maxLines || bytes > 1_000_000) break;
  }
  return out;
};
