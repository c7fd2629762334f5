/**
 * The throwaway MariaDB that the MySQL/MariaDB tests share: it starts from
 * nothing in a temp dir, answers on loopback with performance_schema on (the
 * observer's statement digests need it), takes LOAD DATA LOCAL INFILE, and
 * leaves nothing behind when stopped.
 */
import { existsSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mariadbBinaries, startMariadb, stopMariadb, type MariadbTestServer } from '../helpers/mariadb-server.js';

const found = mariadbBinaries();

describe.skipIf(found.bin === null)(`throwaway MariaDB${found.skip === null ? '' : ` (skipped: ${found.skip})`}`, () => {
  let server: MariadbTestServer;
  beforeAll(async () => { if (found.bin !== null) server = await startMariadb(found.bin); }, 120_000);
  afterAll(async () => { if (server !== undefined) await stopMariadb(server); });

  it('answers on 127.0.0.1 with performance_schema and local_infile on', async () => {
    const c = await mysql.createConnection({ host: '127.0.0.1', port: server.port, user: 'root' });
    try {
      const [rows] = await c.query('SELECT VERSION() AS v, @@performance_schema AS ps, @@local_infile AS li, @@bind_address AS bind');
      const row = (rows as { v: string; ps: number; li: number; bind: string }[])[0];
      expect(row?.v).toMatch(/MariaDB/);
      expect(row?.ps).toBe(1);
      expect(row?.li).toBe(1);
      expect(row?.bind).toBe('127.0.0.1');
      const [digests] = await c.query('SELECT COUNT(*) AS n FROM performance_schema.events_statements_summary_by_digest');
      expect((digests as { n: number }[])[0]?.n).toBeGreaterThan(0);
    } finally {
      await c.end();
    }
  });

  it('removes its directory when stopped', async () => {
    const other = await startMariadb(found.bin!);
    expect(existsSync(other.dir)).toBe(true);
    await stopMariadb(other);
    expect(existsSync(other.dir)).toBe(false);
  }, 120_000);
});
