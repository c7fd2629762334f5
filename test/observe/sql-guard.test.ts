import { describe, expect, it } from 'vitest';
import { checkReadOnly, stripSql } from '../../src/observe/sql-guard.js';

const ok = (sql: string) => expect(checkReadOnly(sql), sql).toEqual({ ok: true });
const refused = (sql: string, why: RegExp) => {
  const r = checkReadOnly(sql);
  expect(r.ok, sql).toBe(false);
  if (!r.ok) expect(r.reason).toMatch(why);
};

describe('read-only guard', () => {
  it('accepts single SELECTs and WITH … SELECT', () => {
    ok('SELECT * FROM orders WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT 10');
    ok('select 1;');
    ok('  (SELECT 1) UNION (SELECT 2)');
    ok('WITH t AS (SELECT * FROM orders) SELECT count(*) FROM t');
    ok("SELECT 'insert into x; delete from y' AS s, \"update\" FROM t -- delete\n");
    ok('SELECT $$ drop table x; $$ /* update */');
    ok("SELECT E'it\\'s; update' FROM t");
    ok('SELECT comment, status FROM tickets');
  });

  it('refuses data-modifying statements and CTEs', () => {
    refused('UPDATE tickets SET status = $1', /only SELECT/);
    refused('DELETE FROM t', /only SELECT/);
    refused('INSERT INTO t VALUES (1)', /only SELECT/);
    refused('WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d', /DELETE/);
    refused('WITH u AS (UPDATE t SET a = 1 RETURNING *) SELECT * FROM u', /UPDATE/);
    refused('WITH m AS (INSERT INTO t SELECT 1 RETURNING *) SELECT 1', /INSERT/);
    refused('SELECT * INTO newtable FROM t', /INTO/);
    refused('SELECT * FROM t FOR UPDATE', /UPDATE|row locks/);
    refused('SELECT * FROM t FOR SHARE', /row locks/);
    refused('SELECT 1; DELETE FROM t', /more than one/);
    refused('SELECT 1; SELECT 2', /more than one/);
    refused('TRUNCATE t', /only SELECT/);
    refused('CREATE TABLE x AS SELECT 1', /only SELECT/);
    refused('EXPLAIN ANALYZE DELETE FROM t', /only SELECT/);
    refused('SELECT pg_terminate_backend(123)', /pg_terminate_backend/);
    refused('SELECT pg_advisory_lock(1)', /pg_advisory/);
    refused("SELECT nextval('s')", /nextval/);
    refused("SELECT set_config('a', 'b', false)", /set_config/);
    refused('SELECT dblink_exec($1, $2)', /dblink/);
    refused("SELECT 'unterminated", /cannot read/);
    refused('', /only SELECT/);
  });

  it('reads identifiers, quotes and dollar quotes as PostgreSQL does', () => {
    // `$` inside an identifier does not start a dollar quote (PostgreSQL reads `a$$q$` as one name)
    refused('SELECT 1 AS a$$q$ ; COMMIT; DELETE FROM victim; SELECT 1 AS a$$q$', /more than one/);
    refused('SELECT 1 AS é$q$ ; COMMIT; DELETE FROM victim; SELECT 1 AS é$q$', /more than one/);
    ok('SELECT 1 AS a$$q$, 2 AS é$q$');
    // every spelling of a denied function
    refused('SELECT "pg_terminate_backend"(pid) FROM pg_stat_activity', /pg_terminate_backend/);
    refused('SELECT U&"\\0070g_terminate_backend"(pid) FROM pg_stat_activity', /pg_terminate_backend/);
    refused("SELECT U&\"!0070g_terminate_backend\" UESCAPE '!' (1)", /pg_terminate_backend/);
    refused('SELECT pg_catalog . /* x */ "pg_advisory_lock" /* y */ (1)', /pg_advisory_lock/);
    refused('SELECT "pg_stat_reset"()', /pg_stat_reset/);
    refused("SELECT \"dblink_exec\"('x', 'y')", /dblink_exec/);
    refused("SELECT \"lo_export\"(1, '/tmp/x')", /lo_export/);
    refused('SELECT pg_sleep(60)', /pg_sleep/);
    // a quoted "update" is a name, FOR SHARE with a comment is still a lock
    ok('SELECT "update" FROM t');
    refused('SELECT * FROM t FOR /* x */ SHARE', /row locks/);
    refused("SELECT E'\\'' AS x; DELETE FROM t", /more than one/);
    refused('SELECT $1abc', /cannot read/);
  });

  it('strips comments, strings and dollar quotes but keeps $1 parameters', () => {
    expect(stripSql("a /* x /* nested */ y */ b 'c''d' $tag$ e $tag$ $1").replace(/\s+/g, ' ').trim()).toBe("a b '' '' $1");
  });
});
