/**
 * The demo service on the embedded PGlite (no DATABASE_URL): the default a new
 * user gets. The loaded database is cached in test/tmp between runs.
 */
import { join } from 'node:path';
import { startDemo } from '../../src/demo/index.js';
import { ensureDataset } from '../../src/demo/dataset.js';
import { openPglite } from '../../src/demo/pglite.js';
import { SCHEMA_VERSION } from '../../src/demo/sql.js';
import { TEST_CACHE_DIR, TEST_SCALE } from './helpers.js';
import { serviceSuite } from './service-suite.js';

serviceSuite('pglite', {
  start: () => startDemo({ port: 0, databaseUrl: null, embedded: 'pglite', scale: TEST_SCALE, cacheDir: TEST_CACHE_DIR, log: () => undefined }),
  reopen: async (opts) => {
    const ds = await ensureDataset({ scale: TEST_SCALE, cacheDir: TEST_CACHE_DIR });
    return openPglite({ ...opts, tarball: join(TEST_CACHE_DIR, 'pglite', `${ds.key}-schema${SCHEMA_VERSION}.tgz`) });
  },
});
