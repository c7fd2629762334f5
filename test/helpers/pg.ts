/**
 * Test databases: each test file gets a fresh database on the throwaway
 * PostgreSQL that `npm run ci` starts (PRODSHAPE_TEST_DATABASE_URL), dropped
 * afterwards. Without that server the PostgreSQL tests cannot run: under
 * `npm run ci` (PRODSHAPE_REQUIRE_TEST_DEPS=1) that is a failure, elsewhere a skip.
 */
import pg from 'pg';
import { randomBytes } from 'node:crypto';

export const adminUrl = (): string | undefined => process.env.PRODSHAPE_TEST_DATABASE_URL;

/** True when PostgreSQL tests must be skipped (no server, and not under `npm run ci`). */
export const skipWithoutPg = (): boolean => adminUrl() === undefined && process.env.PRODSHAPE_REQUIRE_TEST_DEPS !== '1';

const requireAdminUrl = (): string => {
  const url = adminUrl();
  if (url === undefined) throw new Error('PRODSHAPE_TEST_DATABASE_URL is not set: run the tests with `npm run ci` (or eval "$(scripts/test-pg.sh start)")');
  return url;
};

/** Creates a fresh database; returns its URL and a function that drops it. */
export const createTestDatabase = async (prefix = 'ps'): Promise<{ url: string; drop: () => Promise<void> }> => {
  const admin = requireAdminUrl();
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
};
