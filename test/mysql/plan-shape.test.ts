/**
 * The MySQL plan fingerprint (pure): tables in join order with access type
 * and key, from MariaDB's and MySQL 8's EXPLAIN FORMAT=JSON shapes; row
 * estimates do not change it, a different key or access type does.
 */
import { describe, expect, it } from 'vitest';
import { mysqlPlanTables, summariseMysqlPlan } from '../../src/observe/mysql-plans.js';

/** MySQL 8: ordering_operation → nested_loop, an eq_ref join. */
const mysql8 = (rows: number, key: string) => ({
  query_block: {
    select_id: 1,
    ordering_operation: {
      using_filesort: true,
      nested_loop: [
        { table: { table_name: 'o', access_type: 'ref', key, rows_examined_per_scan: rows } },
        { table: { table_name: 'a', access_type: 'eq_ref', key: 'PRIMARY', rows_examined_per_scan: 1 } },
      ],
    },
  },
});

describe('MySQL plan fingerprint', () => {
  it('lists the tables in join order, then subqueries, from both servers\' shapes', () => {
    expect(mysqlPlanTables(mysql8(10, 'o_t'))).toEqual([
      { table: 'o', access: 'ref', key: 'o_t' },
      { table: 'a', access: 'eq_ref', key: 'PRIMARY' },
    ]);
    const mariadb = {
      query_block: {
        select_id: 1,
        nested_loop: [{ read_sorted_file: { filesort: { sort_key: 'o.id desc', table: { table_name: 'o', access_type: 'ALL', rows: 19688 } } } }],
        subqueries: [{ query_block: { select_id: 2, nested_loop: [{ table: { table_name: 't', access_type: 'range', key: 't_s' } }] } }],
      },
    };
    expect(summariseMysqlPlan(mariadb)?.tree).toEqual(['ALL on o', 'range using t_s on t']);
  });

  it('ignores row estimates, and changes with the key', () => {
    const a = summariseMysqlPlan(mysql8(10, 'o_t'));
    expect(a?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(summariseMysqlPlan(mysql8(90_000, 'o_t'))?.fingerprint).toBe(a?.fingerprint);
    expect(summariseMysqlPlan(mysql8(10, 'o_status'))?.fingerprint).not.toBe(a?.fingerprint);
    expect(a?.shape).toBe('ref using o_t on o → eq_ref using PRIMARY on a');
    expect(summariseMysqlPlan({ query_block: { select_id: 1, message: 'No tables used' } })).toBeNull();
  });
});
