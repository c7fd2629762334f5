import { describe, expect, it } from 'vitest';
import { createLogParser, parseLogTime } from '../../src/observe/pg-log.js';

const start = Date.parse('2024-05-01T10:00:00.000Z');

describe('server log parser', () => {
  it('reads duration entries with their parameters and auto_explain JSON plans, by timestamp', () => {
    const p = createLogParser(() => start);
    const text = [
      '2024-05-01 10:00:02.500 UTC [77] LOG:  duration: 12.345 ms  statement: SELECT * FROM orders WHERE id = 1',
      '2024-05-01 10:00:03.250 UTC [77] LOG:  duration: 250.000 ms  execute <unnamed>: SELECT * FROM orders WHERE tenant_id = $1',
      "2024-05-01 10:00:03.250 UTC [77] DETAIL:  parameters: $1 = '42'",
      '2024-05-01 10:00:04.000 UTC [77] LOG:  duration: 180.5 ms  plan:',
      '\t{',
      '\t  "Query Text": "SELECT * FROM tickets WHERE status = \'failed\'",',
      '\t  "Plan": {',
      '\t    "Node Type": "Seq Scan",',
      '\t    "Relation Name": "tickets"',
      '\t  }',
      '\t}',
      '2024-05-01 10:00:05.000 UTC [78] LOG:  checkpoint starting: time',
      '2024-05-01 10:00:06.000 UTC [78] ERROR:  relation "x" does not exist',
      '2024-05-01 10:00:06.000 UTC [78] STATEMENT:  select * from x',
      '',
    ].join('\n');
    // fed in two pieces, split mid-line
    const cut = text.indexOf('Plan');
    const recs = [...p.push(text.slice(0, cut), 99), ...p.push(text.slice(cut), 99), ...p.flush(99)];
    expect(recs).toHaveLength(3);
    expect(recs[0]).toMatchObject({ kind: 'duration', t_s: 2.5, timestamped: true, duration_ms: 12.345, statement: 'SELECT * FROM orders WHERE id = 1' });
    expect(recs[1]).toMatchObject({ kind: 'duration', t_s: 3.25, duration_ms: 250, parameters: "$1 = '42'" });
    expect(recs[2]).toMatchObject({ kind: 'auto_explain', t_s: 4, duration_ms: 180.5, shape: 'Seq Scan on tickets', statement: "SELECT * FROM tickets WHERE status = 'failed'" });
    expect(recs[2]?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it('falls back to the read time without a usable timestamp', () => {
    const p = createLogParser(() => start);
    const recs = [...p.push('LOG:  duration: 5 ms  statement: SELECT 1\n', 7.5), ...p.flush(8)];
    expect(recs[0]).toMatchObject({ t_s: 8, timestamped: false });
    expect(parseLogTime('2024-05-01 12:00:00', '+02')).toBe(start);
    expect(parseLogTime('2024-05-01 10:00:00', 'CEST')).toBeNull();
  });
});
