/**
 * The same cluster code on a system PostgreSQL (apt's
 * /usr/lib/postgresql/N/bin), when the machine has one: the test suite's
 * server (test/helpers/pg-server.ts, PRODSHAPE_TEST_PG_BIN) and the observer's
 * extensions work on it too, so pointing the tests or DATABASE_URL at a
 * system server stays true. Skipped, saying so, where none is installed.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { pidAlive } from '../../src/pg/cluster.js';
import { startTestServer, stopTestServer } from '../helpers/pg-server.js';

/** The newest /usr/lib/postgresql/N/bin with initdb and postgres, or null. */
const systemBinDir = (): string | null => {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? null : join(root, versions[0], 'bin');
};

const binDir = systemBinDir();
if (binDir === null) process.stderr.write('system-pg.test.ts: no system PostgreSQL (/usr/lib/postgresql/*/bin): skipped\n');

describe.skipIf(binDir === null)(`a system PostgreSQL (${binDir ?? 'none installed: skipped'})`, () => {
  it('runs the test server with pg_stat_statements and auto_explain, logging plans to its log file, and stops it', async () => {
    const t = await startTestServer({ binDir: binDir!, source: binDir! });
    try {
      const c = new pg.Client({ connectionString: t.server.url });
      await c.connect();
      try {
        const version = (await c.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]?.v;
        expect(Math.floor(Number(version) / 10000)).toBe(Number(/(\d+)\/bin$/.exec(binDir!)?.[1]));
        await c.query("LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_format = 'json'");
        await c.query('SELECT count(*) FROM generate_series(1, 1000)');
        const calls = await c.query<{ calls: string }>("SELECT sum(calls)::text AS calls FROM pg_stat_statements WHERE query LIKE '%generate_series%'");
        expect(Number(calls.rows[0]?.calls)).toBeGreaterThanOrEqual(1);
      } finally {
        await c.end();
      }
      expect(readFileSync(t.logFile, 'utf8')).toMatch(/"Node Type": "Function Scan"/);
    } finally {
      await stopTestServer(t.dir);
    }
    expect(pidAlive(t.server.pid)).toBe(false);
    expect(existsSync(t.dir)).toBe(false);
  });
});
