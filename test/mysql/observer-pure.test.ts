/**
 * The MySQL observer's pure parts: digest rows into statement deltas
 * (picoseconds → ms, differenced per interval, the observer's own statements
 * left out), processlist rows into pg_stat_activity's counts, the slow
 * query log's settings and rows (off or FILE output said in observe.json,
 * a `mysql.slow_log` row as a `duration` log entry), and
 * `observe.mysql` in a scenario (its form checked before any load, its host
 * under the safety rule with the other outbound URLs).
 */
import { describe, expect, it } from 'vitest';
import { aggregateActivity } from '../../src/observe/activity.js';
import { activityRowOf, digestSnapshot, isObserverDigest, pinnedMysqlHost, PS_PER_MS, type DigestRow, type ProcessRow } from '../../src/observe/mysql-stats.js';
import { diffSnapshots } from '../../src/observe/statements.js';
import { slowLogRecord, slowLogStatus } from '../../src/observe/mysql-slow-log.js';
import { parseScenario } from '../../src/scenario/scenario.js';
import { preflightProblems } from '../../src/engine/preflight.js';
import { outboundUrls } from '../../src/engine/outbound.js';
import { createObservers } from '../../src/observe/index.js';

const APP = 'SELECT `id` , `total` FROM `orders` WHERE `tenant_id` = ? LIMIT ?';
const row = (digest: string, text: string, calls: number, ms: number, rows = 0): DigestRow =>
  ({ digest, digest_text: text, count_star: String(calls), sum_timer_wait: String(ms * PS_PER_MS), sum_rows_sent: rows });

describe('digest snapshots into statement deltas', () => {
  it('differences calls, time (ps → ms) and rows per digest, most total time first', () => {
    const a = digestSnapshot([row('d1', APP, 10, 50, 100), row('d2', 'SELECT ? ', 3, 1)]);
    const b = digestSnapshot([row('d1', APP, 25, 80, 250), row('d2', 'SELECT ? ', 3, 1), row('d3', 'UPDATE `orders` SET `x` = ?', 4, 200)]);
    const d = diffSnapshots(a.snap, b.snap, b.texts);
    expect(d.map((x) => [x.queryid, x.query, x.calls, x.total_exec_ms, x.mean_exec_ms, x.rows])).toEqual([
      ['d3', 'UPDATE `orders` SET `x` = ?', 4, 200, 50, 0],
      ['d1', APP, 15, 30, 2, 150],
    ]);
  });

  it('counts a digest whose calls went down (summary truncated) from zero', () => {
    const a = digestSnapshot([row('d1', APP, 10, 50)]);
    const b = digestSnapshot([row('d1', APP, 4, 8)]);
    expect(diffSnapshots(a.snap, b.snap, b.texts).map((x) => [x.calls, x.total_exec_ms])).toEqual([[4, 8]]);
  });

  it('skips the overflow row (no digest) and cuts long texts', () => {
    const { snap, texts } = digestSnapshot([{ ...row('x', 'y', 1, 1), digest: null }, row('d', 'S'.repeat(3000), 1, 1)], 2000);
    expect([...snap.counters.keys()]).toEqual(['d']);
    expect(texts.get('d')?.length).toBe(2000);
  });

  it("tells the observer's own statements from the application's", () => {
    for (const own of [
      'SELECT `DIGEST` AS `digest` FROM `performance_schema` . `events_statements_summary_by_digest` WHERE `SCHEMA_NAME` = DATABASE ( )',
      'SELECT `p` . `USER` FROM `information_schema` . `PROCESSLIST` `p`',
      'EXPLAIN FORMAT = JSON SELECT * FROM `orders`', 'START TRANSACTION READ ONLY', 'ROLLBACK', 'SELECT @@`tx_read_only` AS `ro`',
      'SELECT VERSION ( ) AS `v`', 'SET SESSION `max_statement_time` = ?',
      'ANALYZE FORMAT = JSON SELECT * FROM `orders` WHERE `tenant_id` = ?', 'SELECT `name` FROM `mysql` . `func`',
      'SELECT UNIX_TIMESTAMP ( `start_time` ) AS `at_s` FROM `mysql` . `slow_log` WHERE `db` = DATABASE ( )',
    ]) expect(isObserverDigest(own), own).toBe(true);
    for (const app of [APP, 'UPDATE `orders` SET `status` = ? WHERE `id` = ?', 'SELECT `rollback_id` FROM `t`', 'ANALYZE TABLE `orders`', 'SELECT `func` FROM `mysql_func`']) {
      expect(isObserverDigest(app), app).toBe(false);
    }
  });
});

describe('processlist rows into activity counts', () => {
  const p = (over: Partial<ProcessRow>): ProcessRow => ({ user: 'app', command: 'Query', state: 'Sending data', time_s: 2, trx_state: null, xact_ms: null, ...over });

  it('maps Sleep to idle (or idle in transaction with an open InnoDB transaction), a lock wait to waiting_lock', () => {
    const rows = [
      p({}), p({ command: 'Sleep', state: '', time_s: 30 }), p({ command: 'Sleep', trx_state: 'RUNNING', xact_ms: '5000.5' }),
      p({ trx_state: 'LOCK WAIT', time_s: 7, xact_ms: 9000 }), p({ state: 'Waiting for table metadata lock', user: 'batch' }),
    ].map(activityRowOf);
    const rec = aggregateActivity(1, rows);
    expect([rec.total, rec.active, rec.idle, rec.idle_in_transaction, rec.waiting_lock]).toEqual([5, 3, 1, 1, 2]);
    expect(rec.max_active_ms).toBe(7000);
    expect(rec.max_xact_ms).toBe(9000);
    expect(rec.by_application.batch?.waiting_lock).toBe(1);
    expect(rec.by_application.app?.total).toBe(4);
  });
});

describe('observe.mysql in a scenario', () => {
  const scenario = (url: string): string => `name: s\nendpoints:\n  - name: a\n    path: /a\nobserve:\n  mysql:\n    url: ${JSON.stringify(url)}\n`;

  it('is parsed, and its form checked before any load (the value never quoted)', () => {
    expect(parseScenario(scenario('mysql://u:pw@127.0.0.1:3306/shop')).observe.mysql).toEqual({ url: 'mysql://u:pw@127.0.0.1:3306/shop' });
    for (const bad of ['postgres://u:Secret-77@127.0.0.1/shop', 'mysql://u:Secret-77@127.0.0.1:3306/', 'not a url']) {
      const problems = preflightProblems({ scenario: parseScenario(scenario(bad)), slo: [], endpoints: null, pgUrl: null });
      expect(problems.map((x) => x.field), bad).toEqual(['observe.mysql.url']);
      expect(problems[0]?.line).toBe(7);
      expect(JSON.stringify(problems)).not.toContain('Secret-77');
    }
    expect(preflightProblems({ scenario: parseScenario(scenario('mariadb://u:pw@127.0.0.1/shop')), slo: [], endpoints: null, pgUrl: null })).toEqual([]);
  });

  it('refuses a scenario whose observe.mysql has no url or an unknown key', () => {
    expect(() => parseScenario('name: s\nendpoints:\n  - name: a\n    path: /a\nobserve:\n  mysql:\n    uri: x\n')).toThrow(/observe\.mysql/);
  });

  it('makes a MySQL observer, or none with a warning when its ${VAR} is not set', () => {
    const names = (url: string): string[] => createObservers(parseScenario(scenario(url))).map((o) => o.name);
    process.env.PS_MYOBS_TEST_URL = 'mysql://u:pw@127.0.0.1:3306/shop';
    try {
      expect(names('${PS_MYOBS_TEST_URL}')).toEqual(['mysql']);
    } finally {
      delete process.env.PS_MYOBS_TEST_URL;
    }
    expect(names('${PS_MYOBS_TEST_URL}')).toEqual(['observe-meta']);
  });

  it('connects to the address the safety rule checked', () => {
    const pins = [{ host: 'db.internal', addresses: [{ address: '10.0.0.7', family: 4 as const }] }];
    expect(pinnedMysqlHost('mysql://u:p@db.internal:3306/shop', pins)).toBe('10.0.0.7');
    expect(pinnedMysqlHost('mysql://u:p@DB.internal/shop', pins)).toBe('10.0.0.7');
    expect(pinnedMysqlHost('mysql://u:p@other.internal/shop', pins)).toBeNull();
    expect(pinnedMysqlHost('mysql://u:p@localhost/shop', pins)).toBe('localhost');
    expect(pinnedMysqlHost('mysql://u:p@127.0.0.1:3307/shop', [])).toBe('127.0.0.1');
    expect(pinnedMysqlHost('mysql://u:p@[::1]:3307/shop', [])).toBe('::1');
    expect(pinnedMysqlHost('mysql://u:p@db.internal/shop', undefined)).toBeUndefined();
  });

  it('is among the URLs the safety rule checks', () => {
    const s = parseScenario(scenario('mysql://u:pw@10.1.2.3:3306/shop'));
    const urls = outboundUrls(new URL('http://127.0.0.1:1'), s, {}, []);
    expect(urls.map((u) => [u.field, u.url.hostname, u.line])).toEqual([['--target', '127.0.0.1', null], ['observe.mysql.url', '10.1.2.3', null]]);
  });
});

describe('the slow query log', () => {
  it('is read only when on and written to a table; otherwise observe.json says why and how', () => {
    expect(slowLogStatus({ on: 1, output: 'TABLE', long_s: '0.100000' })).toEqual({ read: false, enabled: true, output: 'TABLE', long_query_time_ms: 100, reason: null, entries: null });
    expect(slowLogStatus({ on: 1, output: 'FILE,TABLE', long_s: 2 }).reason).toBeNull();
    expect(slowLogStatus({ on: 1, output: 'FILE', long_s: 10 }).reason).toMatch(/goes to FILE \(log_output\), which prodshape does not read: set log_output = 'TABLE'/);
    expect(slowLogStatus({ on: 0, output: 'TABLE', long_s: 10 }).reason).toMatch(/slow_query_log is OFF.*SET GLOBAL slow_query_log = ON/);
  });

  it('places a slow_log row on the run clock as a duration entry', () => {
    const rec = slowLogRecord({ at_s: '1764800012.250000', query_s: '0.201234', sql_text: Buffer.from('SELECT SLEEP(0.2)'), thread_id: 9 }, 1764800010000);
    expect(rec).toEqual({ t_s: 2.25, timestamped: true, kind: 'duration', duration_ms: 201.234, statement: 'SELECT SLEEP(0.2)', parameters: null, fingerprint: null, shape: null });
    // An entry before time zero (a statement that started before the run) is placed at 0.
    expect(slowLogRecord({ at_s: 1764800009, query_s: 1, sql_text: null, thread_id: null }, 1764800010000).t_s).toBe(0);
  });
});
