/**
 * Streaming a log file: plain or gzip (told by its magic bytes, not its name;
 * concatenated gzip members are read through), split into lines without ever
 * holding more than one chunk and one partial line in memory.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { inputError } from '../../core/errors.js';

/** True when the file starts with the gzip magic bytes 1f 8b. */
export const isGzipFile = async (file: string): Promise<boolean> => {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    throw inputError('--log', `cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { file, hint: 'check the path of the log file' });
  }
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await fh.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    await fh.close();
  }
};

/** A readable stream of the file's bytes, decompressed when it is gzip. */
export const openLogStream = async (file: string, highWaterMark = 256 * 1024): Promise<Readable> => {
  const gz = await isGzipFile(file);
  const raw = createReadStream(file, { highWaterMark });
  if (!gz) return raw;
  const gunzip = createGunzip({ chunkSize: highWaterMark });
  raw.on('error', (e) => gunzip.destroy(e));
  return raw.pipe(gunzip);
};

/** Wraps stream errors (a truncated or corrupt gzip file) as an InputError naming the file. */
export const streamError = (file: string, e: unknown): Error => {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  if (code.startsWith('Z_') || /unexpected end of file|incorrect header/i.test((e as Error).message ?? '')) {
    return inputError('--log', `cannot decompress (${(e as Error).message})`, { file, hint: 'the gzip file is truncated or corrupt; `gzip -t FILE` checks it' });
  }
  return e instanceof Error ? e : new Error(String(e));
};

/**
 * Lines of a stream (without `\n` or `\r\n`), in batches: one array per chunk,
 * so the caller pays one await per chunk, not per line.
 */
export async function* lineBatches(stream: Readable, file: string): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const text = rest + decoder.write(chunk);
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      for (let i = 0; i < lines.length; i++) {
        const l = lines[i] as string;
        if (l.endsWith('\r')) lines[i] = l.slice(0, -1);
      }
      if (lines.length > 0) yield lines;
    }
  } catch (e) {
    throw streamError(file, e);
  } finally {
    stream.destroy();
  }
  rest += decoder.end();
  if (rest.endsWith('\r')) rest = rest.slice(0, -1);
  if (rest !== '') yield [rest];
}

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
