/**
 * The pure parts of ANALYZE on MySQL/MariaDB (src/observe/mysql-analyze.ts):
 * the calls in the server's rendering of a statement, the plan and call
 * checks that gate ANALYZE, and the figures read from MariaDB's
 * `ANALYZE FORMAT=JSON` (recorded from MariaDB 10.11) and MySQL 8's
 * `EXPLAIN ANALYZE` tree (the format of MySQL's reference manual; no MySQL 8
 * runs here).
 */
import { describe, expect, it } from 'vitest';
import { callsAnalyzeProblem, mariadbAnalyzeStats, mysqlAnalyzeStats, planAnalyzeProblem, renderedCalls, renderedLocking } from '../../src/observe/mysql-analyze.js';

/** MariaDB 10.11's Note 1003 for a select list with a user lock, a stored function and strings that look like calls. */
const RENDERED = "select `shop`.`t`.`id` AS `id`,get_lock('a',0) AS `get_lock('a',0)`,`shop`.`zap`() AS `shop.zap()`,lcase('X(') AS `lower('X(')`,'it\\'s sleep(1)' AS `s` from `shop`.`t` where `shop`.`t`.`status` = 'pending' limit 3";

describe('renderedCalls', () => {
  it('finds bare and back-quoted calls, not strings, aliases or comments', () => {
    expect(renderedCalls(RENDERED)).toEqual([
      { name: 'get_lock', quoted: false },
      { name: 'zap', quoted: true },
      { name: 'lcase', quoted: false },
    ]);
    expect(renderedCalls('/* select#1 */ select count(0) AS `count(*)`,exists(/* select#2 */ select 1 limit 1) AS `e` from `shop`.`t`')).toEqual([
      { name: 'count', quoted: false }, { name: 'exists', quoted: false },
    ]);
  });
});

describe('callsAnalyzeProblem', () => {
  it('refuses stored functions, loadable functions and denied built-ins, and passes plain built-ins', () => {
    expect(callsAnalyzeProblem(RENDERED, new Set())).toMatch(/get_lock\(\), whose effects a rolled-back transaction does not undo/);
    expect(callsAnalyzeProblem('select `shop`.`zap`() AS `z`', new Set())).toMatch(/stored function zap\(\)/);
    expect(callsAnalyzeProblem('select sys_magic(1) AS `z`', new Set(['sys_magic']))).toMatch(/loadable function sys_magic\(\)/);
    expect(callsAnalyzeProblem('select SLEEP(0.2) AS `z`', new Set())).toMatch(/sleep\(\)/);
    expect(callsAnalyzeProblem("select count(0) AS `n`,lcase('a') AS `l` from `shop`.`t` where `shop`.`t`.`id` in (1,2)", new Set())).toBeNull();
  });
});

describe('renderedLocking', () => {
  it('finds a locking clause in words, not in strings or names (recorded from MariaDB 10.11)', () => {
    expect(renderedLocking('select `shop`.`t`.`id` AS `id` from `shop`.`t` where `shop`.`t`.`id` < 3 lock in share mode')).toBe('lock in share mode');
    expect(renderedLocking('select `id` from `t` for update')).toBe('for update');
    expect(renderedLocking('select `id` from `t` for share')).toBe('for share');
    expect(renderedLocking("select 'lock in share mode' AS `for update` from `t`")).toBeNull();
    expect(callsAnalyzeProblem('select `id` from `t` lock in share mode', new Set())).toMatch(/a locking read \(LOCK IN SHARE MODE\)/);
  });
});

describe('planAnalyzeProblem', () => {
  it('wants a SELECT query block with no data-modifying table', () => {
    expect(planAnalyzeProblem({ query_block: { select_id: 1, table: { table_name: 't', access_type: 'ALL' } } })).toBeNull();
    expect(planAnalyzeProblem({ query_block: { select_id: 1, table: { update: 1, table_name: 't' } } })).toMatch(/data-modifying part \(update\)/);
    expect(planAnalyzeProblem({ query_block: { nested_loop: [{ table: { delete: 1, table_name: 't' } }] } })).toMatch(/\(delete\)/);
    expect(planAnalyzeProblem(null)).toMatch(/not a SELECT/);
    expect(planAnalyzeProblem({ table: {} })).toMatch(/not a SELECT/);
  });
});

describe('mariadbAnalyzeStats', () => {
  it('reads the block time and Σ r_loops × r_rows (recorded from MariaDB 10.11)', () => {
    const doc = {
      query_optimization: { r_total_time_ms: 0.180475848 },
      query_block: {
        select_id: 1, r_loops: 1, r_total_time_ms: 30.26535539,
        nested_loop: [
          { table: { table_name: 'b', access_type: 'ALL', r_loops: 1, rows: 19989, r_rows: 20000, filtered: 100, r_filtered: 100 } },
          { table: { table_name: 'a', access_type: 'eq_ref', key: 'PRIMARY', r_loops: 20000, rows: 1, r_rows: 0.99995, r_filtered: 10.00050003 } },
        ],
      },
    };
    expect(mariadbAnalyzeStats(doc)).toEqual({ planning_ms: 0.18, execution_ms: 30.265, rows_examined: 39999 });
    expect(mariadbAnalyzeStats({ query_block: { select_id: 1, table: { message: 'No tables used' } } })).toEqual({ planning_ms: null, execution_ms: null, rows_examined: null });
  });
});

describe('mysqlAnalyzeStats', () => {
  it("reads MySQL 8's EXPLAIN ANALYZE tree: the top node's time, Σ rows × loops of table reads", () => {
    const text = [
      '-> Nested loop inner join  (cost=4.95 rows=9) (actual time=0.153..0.200 rows=9 loops=1)',
      '    -> Filter: (t1.c1 is not null)  (cost=1.15 rows=9) (actual time=0.035..0.045 rows=9 loops=1)',
      '        -> Table scan on t1  (cost=1.15 rows=9) (actual time=0.034..0.040 rows=9 loops=1)',
      '    -> Index lookup on t2 using idx1 (c2=t1.c1)  (cost=0.28 rows=1) (actual time=0.015..0.016 rows=1 loops=9)',
    ].join('\n');
    expect(mysqlAnalyzeStats(text)).toEqual({ planning_ms: null, execution_ms: 0.2, rows_examined: 18 });
    expect(mysqlAnalyzeStats('-> Rows fetched before execution  (cost=0..0 rows=1) (actual time=0.000..0.000 rows=1 loops=1)').rows_examined).toBeNull();
  });
});
