/**
 * Lines of a k6 results file, streamed: gzip (k6 writes it for `--out
 * json=results.gz`) is recognised by its magic bytes, whatever the file is
 * called, and decompressed on the fly. A gzip file cut short (k6 killed before
 * it closed the file) yields the lines it holds and reports the truncation
 * instead of failing.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** True when the file starts with the gzip magic bytes 1f 8b. */
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

/**
 * Yields the file's lines in batches (one per chunk read, about 1 MB), without
 * line endings: splitting chunks by hand is about twice as fast as readline,
 * and batches keep the per-line cost of async iteration away.
 * `onTruncated` hears about a damaged gzip stream after its last good line.
 */
export async function* openLineBatches(file: string, onTruncated?: (message: string) => void): AsyncGenerator<string[]> {
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  let input: Readable = raw;
  if (await isGzipFile(file)) {
    const gunzip = createGunzip();
    const out = new PassThrough();
    gunzip.on('error', (e: Error) => {
      onTruncated?.(`gzip: ${e.message}`);
      out.end();
    });
    raw.pipe(gunzip).pipe(out);
    input = out;
  }
  input.setEncoding('utf8');
  let rest = '';
  try {
    for await (const chunk of input as AsyncIterable<string>) {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (let i = 0; i < lines.length; i++) {
        const l = lines[i] ?? '';
        if (l.endsWith('\r')) lines[i] = l.slice(0, -1);
      }
      yield lines;
    }
    if (rest !== '') yield [rest.endsWith('\r') ? rest.slice(0, -1) : rest];
  } finally {
    raw.destroy();
  }
}

/** Yields the file's lines one by one (see openLineBatches). */
export async function* openLines(file: string, onTruncated?: (message: string) => void): AsyncGenerator<string> {
  for await (const batch of openLineBatches(file, onTruncated)) yield* batch;
}
