/**
 * `prodshape demo [--port N] [--pool N]`: the demo staging service alone, for
 * pointing prodshape (or wrk, k6, a browser) at it. Prints its URL and the
 * dataset directory replay's `--data` wants, then serves until Ctrl-C.
 *
 * It starts warm unless `--no-warm`: the biggest tenants' dashboards cached,
 * as in a service that has been up a while.
 *
 * `--json` prints one JSON line on stdout once it listens (`url`, `data_dir`,
 * `manifest`, `backend`, `pool_size`, `warm`): the replay command reads it when it
 * starts the demo as a child process. Started with an IPC channel, the demo
 * also stops when its parent goes away.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { inputError } from '../core/errors.js';
import { formatExactDurationMs, fmtS } from '../core/duration.js';
import { registerSecret } from '../core/secrets.js';
import { DEFAULT_ACQUIRE_TIMEOUT_MS, DEFAULT_DEMO_SCALE, DEFAULT_DEMO_SEED, DEFAULT_POOL_SIZE, startDemo, type Demo } from '../demo/index.js';
import { durationFlag, option, SCALE, SEED } from './flags.js';
import { err, out } from './output.js';
import { withHelpGroups, type HelpGroup } from './help-groups.js';

const ACQUIRE_TIMEOUT = durationFlag('acquire-timeout', {
  default: formatExactDurationMs(DEFAULT_ACQUIRE_TIMEOUT_MS), describe: 'Wait for a pool connection before answering 503 (0: forever)',
}, { zeroOk: true });

/** The port `prodshape demo` listens on unless told otherwise (0: a free one). */
export const DEFAULT_DEMO_PORT = 7878;

interface DemoArgs {
  port: number;
  host: string;
  pool: number;
  'acquire-timeout': string;
  scale: number | undefined;
  seed: number;
  'database-url': string | undefined;
  replace: boolean;
  pglite: boolean;
  warm: boolean;
  json: boolean;
}

const checkArgs = (a: DemoArgs): { acquireTimeoutMs: number } => {
  if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535) throw inputError('--port', `expected a port from 0 to 65535, got ${a.port}`);
  if (!Number.isInteger(a.pool) || a.pool < 1 || a.pool > 1000) throw inputError('--pool', `expected a pool size from 1 to 1000, got ${a.pool}`);
  const scale = SCALE.read(a);
  if (scale !== undefined && scale > 100) throw inputError('--scale', `expected a scale above 0 and at most 100, got ${scale}`);
  SEED.read(a);
  return { acquireTimeoutMs: ACQUIRE_TIMEOUT.read(a) ?? DEFAULT_ACQUIRE_TIMEOUT_MS };
};

/** A URL with its password masked (for people and for the --json line). */
const maskedUrl = (url: string): string => {
  const u = new URL(url);
  if (u.password !== '') u.password = '***';
  return u.toString();
};

/** Where the data lives, for people: the URL with its password masked. */
const describeBackend = (url: string | undefined, demo: Demo): string => {
  if (demo.embeddedPg !== null) return `embedded PostgreSQL at ${maskedUrl(demo.embeddedPg.url)} (data in ${demo.embeddedPg.dir})`;
  if (url === undefined) return 'embedded PGlite';
  try {
    return `PostgreSQL at ${maskedUrl(url)}`;
  } catch {
    return 'PostgreSQL at DATABASE_URL';
  }
};

const run = async (a: ArgumentsCamelCase<DemoArgs>): Promise<void> => {
  const { acquireTimeoutMs } = checkArgs(a);
  const databaseUrl = a['database-url'] === '' ? undefined : a['database-url'];
  if (databaseUrl !== undefined) registerSecret(databaseUrl);
  const demo = await startDemo({
    port: a.port, host: a.host, poolSize: a.pool, acquireTimeoutMs, seed: a.seed, ...(a.scale === undefined ? {} : { scale: a.scale }),
    databaseUrl: databaseUrl ?? null, embedded: a.pglite ? 'pglite' : 'postgres', replace: a.replace, warm: a.warm, log: (line) => err(line),
  });
  const ds = demo.dataset;
  const pg = demo.embeddedPg;
  // The signal handlers go in before the ready line: a signal sent as soon as it is read would
  // otherwise meet the default disposition (Node installs its handler only with a listener) and kill
  // the process without closing the demo.
  const stopped = new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (why: string): void => {
      if (stopping) return;
      stopping = true;
      err(`prodshape demo: stopping (${why})`);
      demo.close().then(resolve, (e: unknown) => {
        err(`prodshape demo: error while stopping: ${e instanceof Error ? e.message : String(e)}`);
        resolve();
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    // Started by replay with an IPC channel: stop when the parent goes away.
    if (process.send !== undefined) process.once('disconnect', () => stop('parent exited'));
  });
  if (a.json) {
    // The embedded server's URL without its password, and the file that holds it (mode 0600): nothing secret on stdout.
    out(JSON.stringify({
      url: demo.url, data_dir: ds.dir, manifest: ds.manifestFile, backend: demo.db.backend, pool_size: demo.db.poolSize,
      warm: demo.warm === null ? null : { tenants: demo.warm.tenants, source: demo.warm.source, ms: Math.round(demo.warm.ms) },
      embedded_pg: pg === null ? null : { url: maskedUrl(pg.url), password_file: pg.passwordFile, dir: pg.dir, pid: pg.pid },
    }));
  } else {
    out(`prodshape demo: ${demo.url}`);
    out(`  database  ${describeBackend(databaseUrl, demo)}, pool of ${demo.db.poolSize}`);
    if (pg !== null) out(`            observe it: --pg 'postgres://postgres:PASSWORD@127.0.0.1:${pg.port}/demo' (PASSWORD in ${pg.passwordFile})`);
    if (demo.warm !== null) out(`  cache     the biggest ${demo.warm.tenants} tenants' dashboards warm (${demo.warm.source === 'snapshot' ? 'restored from the cache directory' : 'computed'} in ${fmtS(demo.warm.ms / 1000)}; --no-warm starts cold)`);
    out(`  dataset   saas-orders seed ${a.seed} scale ${ds.manifest.scale ?? '?'}: ${ds.manifest.tables.orders ?? 0} orders over ${ds.manifest.tenants.length} tenants`);
    out(`            ${ds.dir}`);
    out(`  try       curl ${demo.url}/   (routes)   curl ${demo.url}/metrics`);
    out(`  replay    prodshape replay --scenario demo --data ${ds.dir} --target ${demo.url} --profile spike-3x --out runs/spike`);
    out('Ctrl-C stops it.');
  }
  await stopped;
};

/** `--help` headings, most used first. */
const DEMO_HELP_GROUPS: readonly HelpGroup[] = [
  ['Service:', ['port', 'host', 'pool', 'acquire-timeout', 'warm', 'json']],
  ['Data:', ['scale', 'seed', 'database-url', 'pglite', 'replace']],
];

export const demoCommand: CommandModule<object, DemoArgs> = {
  builder: (y: Argv) =>
    withHelpGroups(y, DEMO_HELP_GROUPS)
      .option('port', { type: 'number', default: DEFAULT_DEMO_PORT, describe: 'Port to listen on (0: a free one)' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'Interface to listen on' })
      .option('pool', { type: 'number', default: DEFAULT_POOL_SIZE, describe: 'Database pool size (the planted saturation point)' })
      .option(...option(ACQUIRE_TIMEOUT))
      .option(...option(SCALE, {
        defaultDescription: `${DEFAULT_DEMO_SCALE.postgres} on PostgreSQL, ${DEFAULT_DEMO_SCALE.pglite} on PGlite`,
        describe: 'Dataset scale (3: 552k orders, the biggest tenant ~22k; 10: 1.84M, ~57k)',
      }))
      .option(...option(SEED, { default: DEFAULT_DEMO_SEED, describe: 'Dataset seed' }))
      .option('database-url', {
        type: 'string', default: process.env.DATABASE_URL, defaultDescription: '$DATABASE_URL',
        describe: 'PostgreSQL to load and use; without it, an embedded PostgreSQL server under the cache directory',
      })
      .option('pglite', { type: 'boolean', default: false, describe: 'Without --database-url: the embedded PGlite (one backend, no observer) instead of the embedded PostgreSQL server' })
      .option('replace', { type: 'boolean', default: false, describe: 'Drop tenants/accounts/orders tables the demo did not create (PostgreSQL only)' })
      .option('warm', { type: 'boolean', default: true, describe: "Start with the biggest 1% of tenants' dashboards cached, as a service that has been up a while (--no-warm: start cold)" })
      .option('json', { type: 'boolean', default: false, describe: 'Print one JSON line (url, data_dir, …) once listening' })
      .example('$0 demo', 'serve on http://127.0.0.1:7878 with the embedded PostgreSQL server')
      .example('DATABASE_URL=postgres://localhost/demo $0 demo --pool 10', 'use a real PostgreSQL and a bigger pool'),
  handler: run,
};
