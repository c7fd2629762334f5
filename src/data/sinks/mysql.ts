/**
 * The MySQL/MariaDB sink of `generate --to mysql://…` (or `mariadb://…`).
 * Each table is created under a private name (`prodshape_load_<8 hex>_n<k>_…`)
 * with its primary key and filled while its rows are still being made, by
 * `LOAD DATA LOCAL INFILE` fed from a stream (mysql2's
 * `infileStreamFactory`; no file is written), or by multi-row INSERTs
 * (`method: 'insert'`, measured slower: docs/benchmarks.md). The declared
 * indexes are added after the rows are in.
 *
 * Atomic: the user's tables are untouched until one `RENAME TABLE t TO old,
 * new TO t, …` (a single atomic statement) swaps every table in; the old
 * ones are dropped after it, then every table is ANALYZEd. A failure or a
 * stop before the rename kills the load's sessions and drops the new tables.
 *
 * Ownership: the load's first connection holds `GET_LOCK('prodshape_load_<hex>')`
 * for as long as it lives. Tables of a load whose lock is free (its process
 * was killed) are dropped by the next load.
 *
 * Existing tables: those holding rows are refused unless `replace`; empty
 * ones are replaced by the dataset's definition (their own columns and
 * indexes are not kept, unlike PostgreSQL's fill). Foreign keys are not added.
 */
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type mysql from 'mysql2/promise';
import { parse as parseCsv } from 'csv-parse/sync';
import { RunError, errorMessage } from '../../core/errors.js';
import type { CompiledTable } from '../columns.js';
import type { Dataset } from '../dataset.js';
import type { Sink, TableWriter } from '../sink.js';
import { refuseNonEmpty } from './existing.js';
import { writeWithBackpressure } from './files.js';
import { connectMysql, describeMysqlUrl } from './mysql-conn.js';
import { mysqlAddIndexes, mysqlCreateTable, mysqlIdent, mysqlInsertValue, mysqlLoadData } from './mysql-schema.js';
import { testPause } from './staging.js';

export interface MysqlSinkOptions {
  /** `mysql://user:pass@host:port/db`; the password never reaches an output. */
  url: string;
  /** Replace tables that already hold rows (default false: refuse). */
  replace?: boolean;
  /** `infile` (default): LOAD DATA LOCAL INFILE from a stream; `insert`: multi-row INSERTs. */
  method?: 'infile' | 'insert';
  /** Lines about the load beside its rows (leftovers dropped, what a stopped load cleaned up). */
  log?: (line: string) => void;
}

/** Every table a load creates starts with this, then 8 hex digits (the load's lock name). */
export const MYSQL_LOAD_PREFIX = 'prodshape_load_';
const LOCK_CHARS = MYSQL_LOAD_PREFIX.length + 8;

const loadError = (what: string, e: unknown): RunError =>
  new RunError('PS_PG_LOAD', `${what}: ${errorMessage(e)}`, { hint: 'the server refused a statement; see the message above', cause: e });

interface State {
  opts: MysqlSinkOptions;
  log: (line: string) => void;
  where: string;
  lock: string;
  /** Every connection of the load (closed at the end or killed on abort). */
  conns: mysql.Connection[];
  idle: mysql.Connection[];
  /** Streams feeding a LOAD DATA; destroyed on abort so a blocked write fails at once. */
  streams: Set<PassThrough>;
  stopped: AbortController;
  /** Tables that exist in the database (empty ones unless `replace`). */
  existing: Set<string>;
  /** The load's name of each table (`prodshape_load_<hex>_n<k>_<table>`). */
  staged: Map<string, string>;
  pending: Promise<void>[];
  swap: 'no' | 'renaming' | 'done';
  renamed: Promise<unknown>;
  aborting: Promise<void> | null;
  copyPause: boolean;
  indexPause: boolean;
}

const stoppedError = (): RunError => new RunError('PS_PG_LOAD', 'the load was stopped');
const throwIfStopped = (s: State): void => {
  if (s.stopped.signal.aborted) throw stoppedError();
};

const connect = async (s: State): Promise<mysql.Connection> => {
  const c = await connectMysql(s.opts.url, 'PS_PG_CONNECT');
  if (s.stopped.signal.aborted) {
    await c.end();
    throw stoppedError();
  }
  s.conns.push(c);
  // Bulk-load settings for this session only; UTC, as the dataset's timestamps are.
  await c.query("SET SESSION time_zone = '+00:00', SESSION unique_checks = 0, SESSION foreign_key_checks = 0, SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'");
  return c;
};

const stagedName = (s: State, k: number, table: string, kind: 'n' | 'o'): string => `${s.lock}_${kind}${k}_${table}`.slice(0, 64);

/** Drops the tables of loads whose lock is free (killed before they cleaned up); one line per load. */
const dropLeftovers = async (c: mysql.Connection): Promise<string[]> => {
  const [rows] = await c.query('SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE ? ORDER BY 1', [`${MYSQL_LOAD_PREFIX.replace(/_/g, '\\_')}%`]);
  const byLock = new Map<string, string[]>();
  for (const { name } of rows as { name: string }[]) byLock.set(name.slice(0, LOCK_CHARS), [...(byLock.get(name.slice(0, LOCK_CHARS)) ?? []), name]);
  const lines: string[] = [];
  for (const [lock, tables] of byLock) {
    const [free] = await c.query('SELECT IS_FREE_LOCK(?) AS free', [lock]);
    if (Number((free as { free: number | null }[])[0]?.free) !== 1) continue;
    try {
      await c.query(`DROP TABLE IF EXISTS ${tables.map(mysqlIdent).join(', ')}`);
      lines.push(`dropped ${tables.join(', ')}, left by an earlier load that was killed before it could clean up`);
    } catch (e) {
      lines.push(`could not drop ${tables.join(', ')}, left by an earlier load: ${errorMessage(e)}`);
    }
  }
  return lines;
};

/** Which of the dataset's tables exist, and which of them hold rows. */
const inspect = async (c: mysql.Connection, names: string[]): Promise<Map<string, { hasRows: boolean }>> => {
  const [rows] = await c.query("SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME IN (?)", [names]);
  const out = new Map<string, { hasRows: boolean }>();
  for (const { name } of rows as { name: string }[]) {
    const [one] = await c.query(`SELECT 1 AS x FROM ${mysqlIdent(name)} LIMIT 1`);
    out.set(name, { hasRows: (one as unknown[]).length > 0 });
  }
  return out;
};

const begin = async (s: State, ds: Dataset): Promise<void> => {
  const first = await connect(s);
  const [got] = await first.query('SELECT GET_LOCK(?, 0) AS ok', [s.lock]);
  if (Number((got as { ok: number | null }[])[0]?.ok) !== 1) throw new RunError('PS_PG_LOAD', `could not take the load's lock ${s.lock}`);
  const names = ds.tables.map((t) => t.name);
  const existing = await inspect(first, names);
  refuseNonEmpty(existing, names, s.opts.replace ?? false, s.where);
  for (const n of existing.keys()) s.existing.add(n);
  for (const line of await dropLeftovers(first)) s.log(`leftover table: ${line}`);
  ds.tables.forEach((t, k) => s.staged.set(t.name, stagedName(s, k, t.name, 'n')));
  s.idle.push(first);
};

/** Adds the declared indexes of a loaded table on its connection, then frees the connection. */
const afterLoad = async (s: State, c: mysql.Connection, t: CompiledTable, ds: Dataset): Promise<void> => {
  if (s.indexPause) {
    s.indexPause = false;
    await testPause('indexes', s.stopped.signal, s.log);
    throwIfStopped(s);
  }
  const sql = mysqlAddIndexes(t.name, s.staged.get(t.name) ?? '', ds.spec.indexes);
  if (sql !== null) await c.query(sql).catch((e: unknown) => { throw loadError(`adding the indexes of ${t.name}`, e); });
  s.idle.push(c);
};

/** A writer feeding `LOAD DATA LOCAL INFILE` from a stream while the rows are made. */
const infileWriter = (s: State, c: mysql.Connection, t: CompiledTable, ds: Dataset, pause: boolean): TableWriter => {
  const stream = new PassThrough();
  // Its failures reach the load through `loading` and `write`; an 'error' event with no listener (a stop that
  // closes the connection of a table still loading) would end the process instead of the stop's exit code.
  stream.on('error', () => undefined);
  s.streams.add(stream);
  const loading = c.query({ sql: mysqlLoadData(t, s.staged.get(t.name) ?? '', ds.spec.indexes), infileStreamFactory: () => stream });
  loading.catch(() => stream.destroy(new Error('the server ended the load')));
  return {
    async write(chunk) {
      throwIfStopped(s);
      await writeWithBackpressure(stream, chunk).catch(async (e: unknown) => {
        throw loadError(`loading ${t.name}`, await loading.then(() => e, (failure: unknown) => failure));
      });
      if (pause) {
        pause = false;
        await testPause('copy', s.stopped.signal, s.log);
        throwIfStopped(s);
      }
    },
    async end() {
      stream.end();
      await loading.catch((e: unknown) => { throw loadError(`loading ${t.name}`, e); });
      s.streams.delete(stream);
    },
  };
};

/** A writer sending each chunk as one multi-row INSERT, in one transaction per table. */
const insertWriter = (s: State, c: mysql.Connection, t: CompiledTable, pause: boolean): TableWriter => {
  const into = `INSERT INTO ${mysqlIdent(s.staged.get(t.name) ?? '')} (${t.columns.map((x) => mysqlIdent(x.name)).join(', ')}) VALUES ?`;
  const convert = t.columns.map((col) => mysqlInsertValue(col.sqlType, !col.notNull && col.name !== t.idColumn));
  const started = c.query('START TRANSACTION');
  return {
    async write(chunk) {
      throwIfStopped(s);
      await started;
      const parsed: string[][] = parseCsv(chunk);
      const rows = parsed.map((r) => r.map((v, k) => convert[k]?.(v) ?? v));
      await c.query(into, [rows]).catch((e: unknown) => { throw loadError(`loading ${t.name}`, e); });
      if (pause) {
        pause = false;
        await testPause('copy', s.stopped.signal, s.log);
        throwIfStopped(s);
      }
    },
    async end() {
      await started;
      await c.query('COMMIT');
    },
  };
};

const openTable = async (s: State, t: CompiledTable, ds: Dataset): Promise<TableWriter> => {
  throwIfStopped(s);
  const c = s.idle.pop() ?? (await connect(s));
  const as = s.staged.get(t.name) ?? '';
  await c.query(mysqlCreateTable(t, as, ds.spec.indexes)).catch((e: unknown) => { throw loadError(`creating table ${t.name} (as ${as})`, e); });
  const pause = s.copyPause;
  s.copyPause = false;
  const w = s.opts.method === 'insert' ? insertWriter(s, c, t, pause) : infileWriter(s, c, t, ds, pause);
  return {
    write: (chunk) => w.write(chunk),
    async end() {
      await w.end();
      const job = afterLoad(s, c, t, ds);
      job.catch(() => undefined);
      s.pending.push(job);
    },
  };
};

/** One RENAME TABLE swaps every table in (atomic); then the old ones are dropped and each table ANALYZEd. */
const finish = async (s: State, ds: Dataset, step: (what: string) => void): Promise<void> => {
  throwIfStopped(s);
  step('adding indexes');
  await Promise.all(s.pending);
  if (ds.spec.foreignKeys) s.log('foreign_keys: not added in MySQL/MariaDB (the swap renames tables, which foreign keys would follow)');
  await testPause('swap', s.stopped.signal, s.log);
  throwIfStopped(s);
  step('swapping the new tables in');
  const c = s.idle[0] ?? (await connect(s));
  const olds: string[] = [];
  const pairs = ds.tables.flatMap((t, k) => {
    const to = [`${mysqlIdent(s.staged.get(t.name) ?? '')} TO ${mysqlIdent(t.name)}`];
    if (!s.existing.has(t.name)) return to;
    const old = stagedName(s, k, t.name, 'o');
    olds.push(old);
    return [`${mysqlIdent(t.name)} TO ${mysqlIdent(old)}`, ...to];
  });
  s.swap = 'renaming';
  s.renamed = c.query(`RENAME TABLE ${pairs.join(', ')}`);
  await s.renamed.catch((e: unknown) => { throw loadError('swapping the new tables in', e); });
  s.swap = 'done';
  if (olds.length > 0) await c.query(`DROP TABLE IF EXISTS ${olds.map(mysqlIdent).join(', ')}`);
  step('ANALYZE TABLE');
  await c.query(`ANALYZE TABLE ${ds.tables.map((t) => mysqlIdent(t.name)).join(', ')}`);
  await Promise.allSettled(s.conns.map((x) => x.end()));
  s.conns.length = 0;
};

/** Kills the load's sessions and drops its new tables from a fresh connection. Never throws. */
const cleanUp = async (s: State): Promise<void> => {
  s.stopped.abort();
  // Never connected (the server refused the first connection): the load made nothing to drop.
  if (s.conns.length === 0 && s.swap === 'no') return;
  for (const st of s.streams) st.destroy(stoppedError());
  if (s.swap === 'renaming') await s.renamed.catch(() => undefined);
  let control: mysql.Connection | null = null;
  try {
    control = await connectMysql(s.opts.url, 'PS_PG_CONNECT');
    for (const c of s.conns) await control.query(`KILL CONNECTION ${Number(c.threadId)}`).catch(() => undefined);
    const [rows] = await control.query('SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE ?', [`${s.lock.replace(/_/g, '\\_')}\\_%`]);
    const mine = (rows as { name: string }[]).map((r) => r.name);
    if (mine.length > 0) await control.query(`DROP TABLE IF EXISTS ${mine.map(mysqlIdent).join(', ')}`);
    s.log(s.swap === 'done' ? `the load was complete; dropped ${mine.length} old table(s)` : `dropped the load's ${mine.length} new table(s); no table in ${s.where} was changed`);
  } catch (e) {
    s.log(`could not drop the load's tables ${s.lock}_* (${errorMessage(e)}); no table in ${s.where} was changed, and the next \`prodshape generate --to\` against it drops them`);
  } finally {
    await Promise.allSettled([...s.conns, ...(control === null ? [] : [control])].map((c) => c.end()));
    s.conns.length = 0;
  }
};

/** A sink loading every table into the MySQL/MariaDB at `opts.url`, atomically (see the file's comment). */
export const mysqlSink = (opts: MysqlSinkOptions): Sink => {
  const s: State = {
    opts, log: opts.log ?? (() => undefined), where: describeMysqlUrl(opts.url), lock: `${MYSQL_LOAD_PREFIX}${randomBytes(4).toString('hex')}`,
    conns: [], idle: [], streams: new Set(), stopped: new AbortController(), existing: new Set(), staged: new Map(), pending: [],
    swap: 'no', renamed: Promise.resolve(), aborting: null, copyPause: true, indexPause: true,
  };
  let dataset: Dataset | null = null;
  return {
    formatFor: () => 'csv',
    begin: async (ds) => {
      dataset = ds;
      await begin(s, ds);
    },
    openTable: (t) => openTable(s, t, dataset as Dataset),
    finish: (ds, step) => finish(s, ds, step),
    async abort() {
      s.aborting ??= cleanUp(s);
      await s.aborting;
    },
  };
};
