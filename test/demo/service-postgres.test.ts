/**
 * The demo service on a real PostgreSQL (DATABASE_URL): a fresh database on the
 * throwaway server the test command starts.
 */
import { describe } from 'vitest';
import { createTestDatabase, skipWithoutPg } from '../helpers/pg.js';
import { startDemo } from '../../src/demo/index.js';
import { openPostgres } from '../../src/demo/db.js';
import { TEST_CACHE_DIR, TEST_SCALE } from './helpers.js';
import { serviceSuite } from './service-suite.js';

describe.skipIf(skipWithoutPg())('on PostgreSQL', () => {
  let testDb: { url: string; drop: () => Promise<void> } | undefined;
  serviceSuite('postgres', {
    start: async () => {
      testDb = await createTestDatabase('demo');
      return startDemo({ port: 0, databaseUrl: testDb.url, scale: TEST_SCALE, cacheDir: TEST_CACHE_DIR, log: () => undefined });
    },
    reopen: (opts) => openPostgres(testDb!.url, opts),
    cleanup: async () => testDb?.drop(),
  });
});
