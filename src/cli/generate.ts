/**
 * `prodshape generate --scenario S --out DIR [--seed N] [--scale X] [--format csv|ndjson]
 *  [--to postgres://…|mysql://…] [--replace] [--allow-remote]`: a production-shaped dataset
 * from a scenario's `data:` section, to files and/or a database, with schema.sql and
 * manifest.json in DIR.
 */
import type { CommandModule } from 'yargs';
import { join } from 'node:path';
import { EXIT, inputError } from '../core/errors.js';
import { resolveNamed } from '../core/paths.js';
import { loadScenario } from '../scenario/scenario.js';
import { progressReporter } from '../data/progress.js';
import { fmtS } from '../core/duration.js';
import { stopwatch } from '../core/clock.js';
import { fmtCountFixed, fmtInt, fmtPct } from '../core/numbers.js';
import type { ManifestSummary } from '../data/manifest.js';
import { ALLOW_REMOTE, FORCE, option, OUT, readOutDir, SCALE, SEED } from './flags.js';
import { registerSecret, safeDecode } from '../core/secrets.js';
import { dbHostUrls, pinnedDbUrl } from '../engine/db-host.js';
import { isMysqlUrl } from '../core/db-kind.js';
import { err, out } from './output.js';
import { withHelpGroups, type HelpGroup } from './help-groups.js';

/**
 * SIGINT/SIGTERM while generating: the first aborts `stop` (the load drops
 * what it built and the command exits with EXIT.interrupted), a second exits
 * at once. Returns the function that removes the handlers.
 */
const stopOnSignals = (stop: AbortController): (() => void) => {
  const onSignal = (sig: NodeJS.Signals): void => {
    if (!stop.signal.aborted) {
      err(`\n${sig}: stopping; dropping what the load built (${sig} again exits at once)`);
      stop.abort(sig);
      return;
    }
    err(`${sig} again: exiting now; a staging schema left in the database is dropped by the next \`prodshape generate --to\` against it`);
    process.exit(EXIT.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
};

const dbName = (url: string): string => (isMysqlUrl(url) ? 'MySQL/MariaDB' : 'PostgreSQL');

/**
 * A `--to` database URL checked against the safety rule (loopback and private
 * networks unless --allow-remote), with its host replaced by the checked
 * address so no second DNS lookup can move the load elsewhere. The hosts
 * checked are the ones the driver connects to (dbHostUrls: a PostgreSQL
 * `?host=` or `PGHOST` included); a Unix socket is local by definition. The
 * URL keeps its host name when it asks for TLS (certificate checks need the
 * name) or names its host in the query (pinnedDbUrl).
 */
const checkedDbUrl = async (url: string, allowRemote: boolean): Promise<string> => {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw inputError('--to', 'expected a URL: postgres://user:password@host:port/database or mysql://…');
  }
  // The password, not the whole URL: a refusal below names the host it refused.
  if (parsed.password !== '') {
    registerSecret(parsed.password);
    registerSecret(safeDecode(parsed.password));
  }
  if (isMysqlUrl(url) && parsed.pathname.replace(/^\//, '') === '') throw inputError('--to', 'the URL names no database: mysql://user:password@host:port/database');
  const hosts = dbHostUrls(url, { field: '--to' }, process.env);
  if (hosts.length === 0) return url; // a Unix socket
  const { checkReach } = await import('../engine/reach.js');
  const pins = await checkReach(hosts.map((h) => ({ url: h, field: '--to', file: null, line: null })), { allowRemote });
  const pinned = pinnedDbUrl(url, pins);
  // checkReach refuses a host that does not resolve, so the host is among the pins.
  if (pinned === null) throw inputError('--to', `the host ${parsed.hostname} did not resolve`);
  return pinned;
};

interface GenerateArgs {
  scenario: string;
  out: string;
  seed: number;
  scale: number;
  format?: 'csv' | 'ndjson';
  to?: string;
  replace: boolean;
  'allow-remote': boolean;
  workers: string;
  'chunk-rows': number;
  quiet: boolean;
  force: boolean;
}

/** `--help` headings, most used first. */
const GENERATE_HELP_GROUPS: readonly HelpGroup[] = [
  ['Input:', ['scenario', 'scale', 'seed']],
  ['Output:', ['out', 'format', 'to', 'replace', 'allow-remote', 'force']],
  ['Speed:', ['workers', 'chunk-rows', 'quiet']],
];

export const generateCommand: CommandModule<object, GenerateArgs> = {
  builder: (y) =>
    withHelpGroups(y, GENERATE_HELP_GROUPS)
      .option('scenario', { type: 'string', demandOption: true, describe: 'Scenario file, or a name in ./scenarios or the built-in ones (saas-orders)' })
      .option(...option(OUT, { demandOption: true, describe: 'Directory for the data files, schema.sql and manifest.json' }))
      .option(...option(SEED))
      .option(...option(SCALE, { default: 1 }))
      .option('format', { choices: ['csv', 'ndjson'] as const, describe: 'Data file format (default csv; with --to, files are written only when given)' })
      .option('to', { type: 'string', describe: 'Load into this database: postgres://user:pass@host:port/db (COPY), or mysql:// / mariadb:// (LOAD DATA); keys, indexes, ANALYZE' })
      .option('replace', { type: 'boolean', default: false, describe: 'With --to: drop and recreate tables that already hold rows' })
      .option(...option(ALLOW_REMOTE, { describe: 'With --to: allow a database host outside loopback and private networks' }))
      .option('workers', { type: 'string', default: 'auto', describe: 'Worker threads making rows: a number (0: the main thread) or auto (cores - 1 for big file outputs); output is the same for any count' })
      .option('chunk-rows', { type: 'number', default: 8192, describe: 'Rows per chunk (memory use); output is the same for any size' })
      .option('quiet', { type: 'boolean', default: false, describe: 'No progress display' })
      .option(...option(FORCE, { describe: 'Write into a non-empty --out directory (its files of the same names are overwritten)' }))
      .example('$0 generate --scenario saas-orders --out data/', 'CSV files, schema.sql and manifest.json in data/')
      .example('$0 generate --scenario saas-orders --out data/ --to postgres://app@localhost/staging --replace', 'Load into PostgreSQL')
      .example('$0 generate --scenario saas-orders --out data/ --to mysql://app@127.0.0.1:3306/staging', 'Load into MySQL/MariaDB'),
  handler: async (a) => {
    SEED.read(a);
    SCALE.read(a);
    const workers = a.workers === 'auto' ? 'auto' : Number(a.workers);
    if (workers !== 'auto' && (!/^\d+$/.test(a.workers) || workers > 64)) throw inputError('--workers', `expected auto or a whole number from 0 to 64, got ${JSON.stringify(a.workers)}`);
    if (!Number.isInteger(a['chunk-rows']) || a['chunk-rows'] < 1) throw inputError('--chunk-rows', `expected a whole number >= 1, got ${String(a['chunk-rows'])}`);
    if (a.to !== undefined && !/^(postgres(ql)?|mysql|mariadb):\/\//.test(a.to)) throw inputError('--to', 'expected a database URL: postgres://user:password@host:port/database, or mysql:// / mariadb://');
    if (a.replace && a.to === undefined) throw inputError('--replace', 'only goes with --to (it drops and recreates tables in that database)');
    readOutDir(a);
    const to = a.to === undefined ? undefined : await checkedDbUrl(a.to, ALLOW_REMOTE.read(a));
    const scenario = await loadScenario(resolveNamed('scenarios', a.scenario, '--scenario'));
    // Loaded here, not at start-up: other commands never pay for the data stage (pg COPY, faker lists).
    const { generate } = await import('../data/index.js');
    const took = stopwatch();
    const stop = new AbortController();
    const removeHandlers = stopOnSignals(stop);
    let result: Awaited<ReturnType<typeof generate>>;
    try {
      result = await generate(scenario, {
        out: a.out,
        seed: a.seed,
        scale: a.scale,
        ...(a.format === undefined ? {} : { format: a.format }),
        ...(to === undefined ? {} : { to, replace: a.replace }),
        workers,
        chunkRows: a['chunk-rows'],
        ...(a.quiet ? {} : { onProgress: progressReporter(process.stderr) }),
        log: (line) => err(`generate: ${line}`),
        signal: stop.signal,
      });
    } catch (e) {
      if (!stop.signal.aborted) throw e;
      err(`prodshape: generate stopped by ${String(stop.signal.reason)}: ${a.to === undefined ? '' : `nothing was swapped into ${dbName(a.to)}, its tables are as they were; `}no manifest was written to ${a.out}`);
      process.exitCode = EXIT.interrupted;
      return;
    } finally {
      removeHandlers();
    }
    // A signal during the swap's COMMIT waits for it: the load is complete then.
    if (stop.signal.aborted) err(`generate: ${String(stop.signal.reason)} came as the load committed; it is complete`);
    const { manifest, files } = result;
    const elapsedS = took() / 1000;
    const total = Object.values(manifest.tables).reduce((x, y) => x + y, 0);
    const where = [Object.keys(files).length > 0 ? `${a.out} (${manifest.format === 'postgres' ? (a.format ?? 'csv') : manifest.format})` : null, a.to !== undefined ? dbName(a.to) : null].filter((x) => x !== null).join(' and ');
    out(`${manifest.scenario} (seed ${manifest.seed}, scale ${manifest.scale}): ${fmtInt(total)} rows in ${Object.keys(manifest.tables).length} tables → ${where} in ${fmtS(elapsedS)} (${fmtCountFixed(total / elapsedS)} rows/s)`);
    const width = Math.max(...Object.keys(manifest.tables).map((t) => t.length));
    for (const [t, rows] of Object.entries(manifest.tables)) out(`  ${t.padEnd(width)} ${fmtInt(rows).padStart(12)}${files[t] === undefined ? '' : `  ${files[t]}`}`);
    const s = manifest.summary as ManifestSummary | undefined;
    if (s !== undefined && manifest.tenant_table !== undefined) {
      out(`${fmtInt(s.tenants)} tenants by ${manifest.tenant_table}: biggest ${fmtInt(s.max)} · median ${fmtInt(s.median)} (${s.max_over_median}x) · p99 ${fmtInt(s.p99)} · top 10 hold ${fmtPct(s.top10_share, 1)} · Gini ${s.gini.toFixed(2)}`);
    }
    out(`manifest: ${join(a.out, 'manifest.json')} · schema: ${join(a.out, 'schema.sql')}`);
  },
};
