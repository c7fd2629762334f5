import { describe, expect, it } from 'vitest';
import { diffSnapshots, runDeltas, topStatements, type StatementCounters, type StatementsSnapshot } from '../../src/observe/statements.js';

const c = (queryid: string, calls: number, exec: number, extra: Partial<StatementCounters> = {}): StatementCounters => ({
  key: `10:${queryid}:true`, queryid, calls, total_exec_ms: exec, total_plan_ms: 0, rows: calls, shared_blks_hit: 0, shared_blks_read: calls * 2, temp_blks_written: 0, ...extra,
});
const snap = (...cs: StatementCounters[]): StatementsSnapshot => ({ counters: new Map(cs.map((x) => [x.key, x])), dealloc: 0, statsReset: null });
const texts = new Map([['1', 'SELECT fast'], ['2', 'SELECT slow'], ['3', 'SELECT new'], ['9', '/* prodshape-observer */ SELECT']]);

describe('pg_stat_statements deltas', () => {
  it('subtract the previous snapshot, count new entries from zero, leave out unchanged and ignored ones', () => {
    const a = snap(c('1', 100, 50), c('2', 5, 1000), c('9', 3, 1));
    const b = snap(c('1', 300, 150), c('2', 8, 2500), c('3', 4, 40), c('9', 9, 3), c('4', 7, 7));
    const d = diffSnapshots(a, b, texts, new Set(['9']));
    expect(d.map((x) => x.queryid)).toEqual(['2', '1', '3', '4']);
    expect(d[0]).toMatchObject({ query: 'SELECT slow', calls: 3, total_exec_ms: 1500, mean_exec_ms: 500, shared_blks_read: 6 });
    expect(d[1]).toMatchObject({ calls: 200, total_exec_ms: 100, mean_exec_ms: 0.5 });
    expect(d[2]).toMatchObject({ calls: 4, total_exec_ms: 40 });
    const unchanged = diffSnapshots(b, b, texts);
    expect(unchanged).toEqual([]);
  });

  it('treat a counter that went down (evicted, reset) as counting from zero', () => {
    const d = diffSnapshots(snap(c('2', 50, 5000)), snap(c('2', 2, 300)), texts);
    expect(d[0]).toMatchObject({ calls: 2, total_exec_ms: 300 });
  });

  it('sum per-interval lines into the run and rank by total and by mean', () => {
    const line = (t_s: number, ...ds: ReturnType<typeof diffSnapshots>) => ({ t_s, label: 'tick', ok: true, error: null, dealloc: 0, reset: false, statements: ds });
    const i1 = diffSnapshots(snap(c('1', 0, 0), c('2', 0, 0)), snap(c('1', 1000, 200), c('2', 2, 400)), texts);
    const i2 = diffSnapshots(snap(c('1', 1000, 200), c('2', 2, 400)), snap(c('1', 3000, 700), c('2', 3, 600)), texts);
    const run = runDeltas([line(0), line(2, ...i1), line(4, ...i2)]);
    expect(run.find((x) => x.queryid === '1')).toMatchObject({ calls: 3000, total_exec_ms: 700 });
    expect(run.find((x) => x.queryid === '2')).toMatchObject({ calls: 3, total_exec_ms: 600, mean_exec_ms: 200 });
    const top = topStatements(run, 1);
    expect(top.byTotal[0]?.queryid).toBe('1');
    expect(top.byMean[0]?.queryid).toBe('2');
  });
});
