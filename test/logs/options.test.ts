import { describe, expect, it } from 'vitest';
import { parseFieldMapping, readLogReplayArgs, readLogSourceArgs } from '../../src/cli/log-options.js';

describe('log flags', () => {
  it('read a field mapping and reject unknown fields', () => {
    expect(parseFieldMapping('time=ts, path=url,status=code')).toEqual({ time: 'ts', path: 'url', status: 'code' });
    expect(parseFieldMapping(undefined)).toEqual({});
    expect(() => parseFieldMapping('when=ts')).toThrow(/--fields: expected FIELD=COLUMN with FIELD one of time, method/);
    expect(() => parseFieldMapping('time=')).toThrow(/--fields/);
  });

  it('turn replay flags into options: repeated and comma-separated lists, durations, tab delimiter', () => {
    const o = readLogReplayArgs({
      method: ['get', 'HEAD'], status: ['2xx,304', '!204'], path: ['/api/**'], map: ['^/u/(\\d+),x=/users/$1'], 'tenant-segment': ['shops'],
      jitter: '0', 'reorder-window': '2m', 'max-endpoints': 5, 'allow-writes': false, format: 'csv', 'csv-delimiter': '\\t', 'csv-header': false,
    });
    expect(o).toMatchObject({
      filter: { methods: ['GET', 'HEAD'], statuses: ['2xx', '304', '!204'], paths: ['/api/**'], maps: ['^/u/(\\d+),x=/users/$1'], allowWrites: false },
      templates: { tenantSegments: ['shops'] }, jitterMs: 0, reorderWindowMs: 120_000, maxEndpoints: 5,
      source: { format: 'csv', csvDelimiter: '\t', csvHeader: false },
    });
    expect(() => readLogReplayArgs({ jitter: 'soon' })).toThrow(/--jitter: expected a duration/);
    expect(readLogSourceArgs({ timezone: 'Europe/Paris', strict: true })).toMatchObject({ timezone: 'Europe/Paris', strict: true, format: 'auto' });
  });
});
