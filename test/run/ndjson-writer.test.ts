/**
 * The run directory's NDJSON writer (src/run/ndjson.ts): `writeMany` writes
 * every record, in order, one JSON line each, and serializes a long batch in
 * slices between which the event loop runs (a send due meanwhile is not held
 * up by the whole batch).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNdjsonWriter, WRITE_CHUNK } from '../../src/run/ndjson.js';

describe('createNdjsonWriter().writeMany', () => {
  it('writes each record in order, one JSON line each', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ps-ndjson-')), 'out.ndjson');
    const w = createNdjsonWriter(file);
    const records = Array.from({ length: WRITE_CHUNK * 40 + 3 }, (_, i) => ({ i, path: `/r/${i}`, note: i % 7 === 0 ? 'line\nbreak "quoted"' : null }));
    await w.write({ first: true });
    await w.writeMany(records);
    await w.writeMany([]);
    await w.close();
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((l) => JSON.parse(l) as unknown)).toEqual([{ first: true }, ...records]);
  });

  it('lets the event loop run between slices of WRITE_CHUNK records', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ps-ndjson-')), 'out.ndjson');
    const w = createNdjsonWriter(file);
    // Small records (~4 KB in all, under the stream's 16 KB buffer): no wait for the disk, so only the slicing can yield.
    const records = Array.from({ length: WRITE_CHUNK * 3 + 3 }, (_, i) => ({ i }));
    // An immediate queued before the call runs before the batch is done only if writeMany yields between slices.
    let ranDuring = false;
    let done = false;
    setImmediate(() => (ranDuring = !done));
    await w.writeMany(records);
    done = true;
    await w.close();
    expect(ranDuring).toBe(true);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(records.length);
  });

  it('writes a batch of one slice or less without waiting for the event loop', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ps-ndjson-')), 'out.ndjson');
    const w = createNdjsonWriter(file);
    let ranDuring = false;
    let done = false;
    setImmediate(() => (ranDuring = !done));
    await w.writeMany(Array.from({ length: WRITE_CHUNK }, (_, i) => ({ i })));
    done = true;
    await w.close();
    expect(ranDuring).toBe(false);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(WRITE_CHUNK);
  });
});
