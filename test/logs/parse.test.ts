import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { openLog, type LogReader } from '../../src/traffic/logs/read.js';
import type { LogRecord, LogSourceOptions } from '../../src/traffic/logs/types.js';
import { sharedDataFile } from '../helpers/shared.js';
import { CSV_HEADER, synthLines, synthRequests } from './synth.js';

const fixture = (name: string): string => join(import.meta.dirname, 'fixtures', name);
const tmp = mkdtempSync(join(tmpdir(), 'prodshape-logs-'));

const readAll = async (file: string, opts: LogSourceOptions = {}): Promise<{ reader: LogReader; records: LogRecord[] }> => {
  const reader = await openLog(file, opts);
  const records: LogRecord[] = [];
  for await (const b of reader.batches()) records.push(...b);
  return { reader, records };
};

describe('the real Apache log (apache_logs.log, test data)', () => {
  it('parses every one of its 10,000 lines with zero failures', async () => {
    const { reader, records } = await readAll(sharedDataFile('apache_logs.log'));
    expect(reader.format).toBe('combined');
    expect(reader.stats).toMatchObject({ lines: 10_000, records: 10_000, malformed: 0, blank: 0, unreplayable: {} });
    expect(records[0]).toEqual({
      timeMs: Date.UTC(2015, 4, 17, 10, 5, 3), offsetMin: 0, method: 'GET',
      target: '/presentations/logstash-monitorama-2013/images/kibana-search.png', status: 200, bytes: 203_023, line: 1,
    });
    // Line 8899 lost its agent's closing quote: it still counts.
    expect(records[8898]).toMatchObject({ line: 8899, target: '/scripts/grok-py-test/configlib.py', status: 200, bytes: 235 });
    const times = records.map((r) => r.timeMs);
    expect(new Date(Math.min(...times)).toISOString()).toBe('2015-05-17T10:05:00.000Z');
    expect(new Date(Math.max(...times)).toISOString()).toBe('2015-05-20T21:05:59.000Z');
    const methods = new Map<string, number>();
    for (const r of records) methods.set(r.method, (methods.get(r.method) ?? 0) + 1);
    expect(Object.fromEntries(methods)).toEqual({ GET: 9952, HEAD: 42, POST: 5, OPTIONS: 1 });
  });
});

describe('formats on real-looking lines', () => {
  it('reads Apache common lines in any timezone, skipping requests that cannot be replayed', async () => {
    const { reader, records } = await readAll(fixture('common.txt'));
    expect(reader.format).toBe('common');
    expect(records.map((r) => [r.line, r.method, r.target, r.status, r.bytes, new Date(r.timeMs).toISOString(), r.offsetMin])).toEqual([
      [1, 'GET', '/apache_pb.gif', 200, 2326, '2000-10-10T20:55:36.000Z', -420],
      [2, 'HEAD', '/index.html', 304, null, '2000-10-10T20:55:37.000Z', -420],
      [3, 'GET', '/tenants/8812/orders?status=pending', 200, 5120, '2000-10-10T20:55:38.000Z', 120],
      [5, 'GET', '/proxy/path?x=1', 200, 77, '2000-10-10T20:55:41.000Z', 0],
      [6, 'POST', '/api/v1/orders', 201, 0, '2000-10-10T20:55:42.000Z', -420],
    ]);
    expect(reader.stats).toMatchObject({ lines: 6, records: 5, malformed: 0, unreplayable: { 'no request line': 1 } });
  });

  it('reads nginx JSON lines: request or method+uri+args, ISO, msec and time_local times, nginx default escapes', async () => {
    const { reader, records } = await readAll(fixture('nginx.jsonl'));
    expect(reader.format).toBe('nginx-json');
    expect(records.map((r) => [r.line, r.method, r.target, r.status, r.bytes, new Date(r.timeMs).toISOString()])).toEqual([
      [1, 'GET', '/tenants/42/orders?limit=10', 200, 512, '2024-03-04T08:00:00.000Z'],
      [2, 'GET', '/tenants/42/dashboard', 200, 1024, '2024-03-04T08:00:01.000Z'],
      [3, 'HEAD', '/health', 200, 0, '2024-03-04T08:00:02.250Z'],
      [4, 'GET', '/search?q="shoes"', 200, 2048, '2024-03-04T08:00:03.000Z'],
      [9, 'GET', '/tenants/42/orders?page=2', 200, 99, '2024-03-04T08:00:06.000Z'],
    ]);
    expect(reader.stats.malformed).toBe(2);
    expect(reader.stats.blank).toBe(1);
    expect(reader.stats.malformedSamples.map((m) => [m.line, m.reason.split(' (')[0]])).toEqual([[6, 'invalid JSON'], [8, 'invalid JSON']]);
    expect(reader.stats.unreplayable).toEqual({ 'no request line': 1 });
  });

  it('reads nested JSON (ECS) through a field mapping', async () => {
    const file = join(tmp, 'ecs.jsonl');
    writeFileSync(file, [
      { '@timestamp': '2024-03-04T08:00:00.500Z', http: { request: { method: 'get' }, response: { status_code: 200 } }, url: { path: '/a', query: 'b=1' } },
      { '@timestamp': '2024-03-04T08:00:01Z', http: { request: { method: 'POST' }, response: { status_code: 503 } }, url: { path: '/c' } },
    ].map((o) => JSON.stringify(o)).join('\n'));
    const { records } = await readAll(file, { fields: { path: 'url.path', query: 'url.query' } });
    expect(records.map((r) => [r.method, r.target, r.status, r.timeMs])).toEqual([
      ['GET', '/a?b=1', 200, Date.UTC(2024, 2, 4, 8, 0, 0, 500)],
      ['POST', '/c', 503, Date.UTC(2024, 2, 4, 8, 0, 1)],
    ]);
  });

  it('reads CSV with a column mapping, zone-less times in the given timezone, and counts bad rows with their lines', async () => {
    const { reader, records } = await readAll(fixture('access.csv'), {
      format: 'csv', fields: { time: 'timestamp', method: 'verb', path: 'url', status: 'code', bytes: 'size' }, timezone: 'Europe/Paris',
    });
    expect(records.map((r) => [r.line, r.method, r.target, r.status, r.bytes, new Date(r.timeMs).toISOString()])).toEqual([
      [2, 'GET', '/tenants/42/orders', 200, 512, '2024-03-04T08:00:00.125Z'],
      [3, 'GET', '/search?q=a,b', 200, 77, '2024-03-04T08:00:01.000Z'],
      [4, 'DELETE', '/tenants/42/orders/9', 204, 0, '2024-03-04T08:00:02.000Z'],
      [7, 'GET', '/tenants/7/orders', 500, null, '2024-03-04T08:00:05.000Z'],
    ]);
    expect(reader.stats.malformed).toBe(2);
    expect(reader.stats.malformedSamples.map((m) => m.line)).toEqual([5, 6]);
    // Its bad row does not hide that it is CSV.
    expect((await openLog(fixture('access.csv'))).format).toBe('csv');
  });

  it('detects CSV and finds columns under their usual names', async () => {
    const file = join(tmp, 'plain.csv');
    writeFileSync(file, 'time;method;path;status\n2024-03-04T08:00:00Z;GET;/a;200\n2024-03-04T08:00:01Z;HEAD;/b;404\n');
    const { reader, records } = await readAll(file);
    expect(reader.format).toBe('csv');
    expect(records.map((r) => `${r.method} ${r.target} ${r.status}`)).toEqual(['GET /a 200', 'HEAD /b 404']);
  });

  it('names the CSV columns that do not exist, and asks for indexes without a header', async () => {
    await expect(openLog(fixture('access.csv'), { format: 'csv', fields: { time: 'when', path: 'url' } })).rejects.toThrow(/no column named "when" \(for time\)/);
    await expect(openLog(fixture('access.csv'), { format: 'csv', csvHeader: false })).rejects.toThrow(/column indexes/);
    const file = join(tmp, 'noheader.csv');
    writeFileSync(file, '2024-03-04T08:00:00Z,GET,/a,200\n');
    const { records } = await readAll(file, { format: 'csv', csvHeader: false, fields: { time: '0', method: '1', path: '2', status: '3' } });
    expect(records[0]).toMatchObject({ method: 'GET', target: '/a', status: 200 });
  });

  it('reads gzip files, told by their magic bytes, including concatenated members', async () => {
    const plain = await readAll(fixture('common.txt'));
    const gz = await readAll(fixture('common.txt.gz'));
    expect(gz.records).toEqual(plain.records);
    const text = readFileSync(fixture('common.txt'));
    const multi = join(tmp, 'multi.log.1');
    writeFileSync(multi, Buffer.concat([gzipSync(text), gzipSync(text)]));
    const both = await readAll(multi);
    expect(both.records).toHaveLength(2 * plain.records.length);
    expect(both.reader.stats.lines).toBe(12);
  });

  it('says a truncated gzip file is corrupt, naming it', async () => {
    const lines = synthLines(synthRequests({ rate: () => 50, maxRps: 50, durationMs: 60_000, endpoints: [{ method: 'GET', template: '/x/{x.id}', weight: 1 }] }), 'combined');
    const gz = gzipSync(lines.join('\n'));
    const file = join(tmp, 'cut.log.gz');
    writeFileSync(file, gz.subarray(0, Math.floor(gz.length / 2)));
    const err = await readAll(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(/cut\.log\.gz.*cannot decompress/);
  });
});

describe('malformed lines', () => {
  it('are counted with the first line numbers, and never stop the read', async () => {
    const { reader, records } = await readAll(fixture('combined-mixed.txt'));
    expect(reader.format).toBe('combined');
    expect(records.map((r) => `${r.line} ${r.method} ${r.target}`)).toEqual([
      '1 GET /tenants/8812/orders/77', '4 GET /search?q=%22a%22', '9 PROPFIND /dav/', '10 GET /tenants/8812/orders/77',
    ]);
    expect(reader.stats).toMatchObject({ lines: 10, records: 4, blank: 1, malformed: 3, unreplayable: { 'bad request line': 1, 'asterisk target': 1 } });
    expect(reader.stats.malformedSamples.map((m) => [m.line, m.reason])).toEqual([
      [3, 'no [time]'], [5, 'not host ident user [time] "request" status bytes'], [8, 'bad time [32/Foo/2024:09:15:07 +0100]'],
    ]);
  });

  it('keep only the first few as samples', async () => {
    const file = join(tmp, 'many-bad.log');
    writeFileSync(file, Array.from({ length: 50 }, (_, i) => (i % 2 ? 'garbage' : `1.2.3.4 - - [04/Mar/2024:09:15:0${i % 10} +0000] "GET /${i} HTTP/1.1" 200 1`)).join('\n'));
    const { reader } = await readAll(file, { format: 'common' });
    expect(reader.stats.malformed).toBe(25);
    expect(reader.stats.malformedSamples.map((m) => m.line)).toEqual([2, 4, 6, 8, 10]);
  });

  it('are fatal with strict, with the file and line', async () => {
    const err = await readAll(fixture('combined-mixed.txt'), { strict: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).problems[0]).toMatchObject({ line: 3, file: fixture('combined-mixed.txt') });
    expect((err as InputError).message).toMatch(/combined-mixed\.txt:3: not a valid combined log line: no \[time\]/);
  });
});

describe('opening', () => {
  it('names a missing file and an unknown timezone', async () => {
    await expect(openLog(join(tmp, 'nope.log'))).rejects.toThrow(/cannot read .*nope\.log \(ENOENT\)/);
    await expect(openLog(fixture('common.txt'), { timezone: 'Mars/Olympus' })).rejects.toThrow(/unknown timezone "Mars\/Olympus"/);
  });

  it('asks for --format when it cannot tell', async () => {
    const file = join(tmp, 'prose.txt');
    writeFileSync(file, 'Dear diary\nToday nothing happened\n');
    await expect(openLog(file)).rejects.toThrow(/cannot tell the log's format/);
  });

  it('streams a big gzip log in batches', async () => {
    const reqs = synthRequests({ rate: () => 100, maxRps: 100, durationMs: 600_000, endpoints: [{ method: 'GET', template: '/tenants/{tenant}/orders', weight: 1 }] });
    const file = join(tmp, 'big.csv.gz');
    writeFileSync(file, gzipSync(synthLines(reqs, 'csv').join('\n'), { level: 1 }));
    expect(synthLines(reqs, 'csv')[0]).toBe(CSV_HEADER);
    const reader = await openLog(file);
    let n = 0;
    let batches = 0;
    for await (const b of reader.batches()) {
      n += b.length;
      batches++;
    }
    expect(reader.format).toBe('csv');
    expect(n).toBe(reqs.length);
    expect(batches).toBeGreaterThan(5);
  });
});
