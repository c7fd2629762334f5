/**
 * Streaming a text file line by line, plain or gzip (told by its magic bytes,
 * not its name; concatenated gzip members are read through), without ever
 * holding more than one chunk and one partial line in memory. Shared by every
 * reader of big inputs: access logs, k6 results, run-directory NDJSON.
 *
 * Lines come in batches (one array per chunk read), so a caller pays one
 * await per chunk rather than per line; splitting chunks by hand is about
 * twice as fast as node:readline.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';

/** True when the file starts with the gzip magic bytes 1f 8b. Throws the fs error when it cannot be opened. */
export const isGzipFile = async (file: string): Promise<boolean> => {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await fh.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    await fh.close();
  }
};

export interface OpenTextOptions {
  /** Read chunk size in bytes (default 256 KiB). */
  highWaterMark?: number;
  /**
   * When given, a damaged gzip stream (a file cut short, as when a writer was
   * killed) ends the stream after its last good bytes and is reported here,
   * instead of failing the read.
   */
  onTruncated?: (message: string) => void;
}

/** A readable stream of the file's bytes, decompressed when it is gzip. */
export const openTextStream = async (file: string, opts: OpenTextOptions = {}): Promise<Readable> => {
  const highWaterMark = opts.highWaterMark ?? 256 * 1024;
  const gz = await isGzipFile(file);
  const raw = createReadStream(file, { highWaterMark });
  if (!gz) return raw;
  const gunzip = createGunzip({ chunkSize: highWaterMark });
  raw.on('error', (e) => gunzip.destroy(e));
  if (opts.onTruncated === undefined) return raw.pipe(gunzip);
  const onTruncated = opts.onTruncated;
  const out = new PassThrough();
  gunzip.on('error', (e: Error) => {
    onTruncated(`gzip: ${e.message}`);
    out.end();
  });
  raw.pipe(gunzip).pipe(out);
  out.on('close', () => raw.destroy());
  return out;
};

/**
 * Lines of a stream (without `\n` or `\r\n`), in batches. `mapError` turns a
 * stream error into the error to throw (e.g. an InputError naming the file).
 */
export async function* lineBatches(stream: Readable, mapError: (e: unknown) => Error = (e) => (e instanceof Error ? e : new Error(String(e)))): AsyncGenerator<string[]> {
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
    throw mapError(e);
  } finally {
    stream.destroy();
  }
  rest += decoder.end();
  if (rest.endsWith('\r')) rest = rest.slice(0, -1);
  if (rest !== '') yield [rest];
}

/** The file's lines in batches (see lineBatches), plain or gzip. */
export async function* openLineBatches(file: string, opts: OpenTextOptions = {}): AsyncGenerator<string[]> {
  yield* lineBatches(await openTextStream(file, { highWaterMark: 1 << 20, ...opts }));
}

/** The file's lines one by one, plain or gzip. */
export async function* openLines(file: string, opts: OpenTextOptions = {}): AsyncGenerator<string> {
  for await (const batch of openLineBatches(file, opts)) yield* batch;
}
