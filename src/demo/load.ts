/**
 * Puts the dataset into the demo's database and opens it:
 * - DATABASE_URL: loads the CSVs with COPY unless the database already holds
 *   this dataset (its meta table says so), in which case a leftover migration
 *   is undone. Tables of the same names that the demo did not create are never
 *   dropped without `replace`.
 * - PGlite: starts from a cached copy of the loaded database (a gzip tarball
 *   keyed by dataset and schema version) or loads it and writes that copy.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { RunError, errorMessage } from '../core/errors.js';
import { META, readMeta, undoMigration, writeMeta } from './admin.js';
import { openPostgres, type DbOptions, type DemoDb } from './db.js';
import { openPglite } from './pglite.js';
import type { Dataset } from './dataset.js';
import { AFTER_LOAD, CREATE_TABLES, DROP_SCHEMA, LOADS, META_TABLE, SCHEMA_VERSION } from './sql.js';
import { fmtS } from '../core/duration.js';
import { stopwatch } from '../core/clock.js';

export interface PrepareOptions extends DbOptions {
  dataset: Dataset;
  /** A PostgreSQL URL; null or undefined for the embedded PGlite. */
  databaseUrl?: string | null;
  /** Cache root for PGlite's loaded copies. */
  cacheDir: string;
  /** Drop tables named like the demo's that the demo did not create. */
  replace?: boolean;
  log?: (line: string) => void;
}

/** Creates the schema, COPYs the CSVs, adds indexes and statistics, and records the dataset. */
export const loadDataset = async (db: DemoDb, ds: Dataset): Promise<void> => {
  await db.exec(DROP_SCHEMA);
  await db.exec(CREATE_TABLES);
  for (const l of LOADS) await db.copyCsv(l.table, l.columns, ds.files[l.file]);
  for (const sql of AFTER_LOAD) await db.exec(sql);
  await writeMeta(db, META.dataset, ds.key);
  await writeMeta(db, META.schema, String(SCHEMA_VERSION));
  await writeMeta(db, META.ordersRows, String(ds.manifest.tables.orders ?? 0));
};

/** What the database holds: this dataset, another demo dataset, foreign tables, or nothing. */
const inspect = async (db: DemoDb, ds: Dataset): Promise<'current' | 'stale' | 'foreign' | 'empty'> => {
  const tables = await db.withConnection((c) =>
    c.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN ('tenants', 'accounts', 'orders', '${META_TABLE}')`),
  );
  const names = new Set(tables.map((t) => t.name));
  if (names.size === 0) return 'empty';
  if (!names.has(META_TABLE)) return 'foreign';
  const meta = await readMeta(db);
  return meta.get(META.dataset) === ds.key && meta.get(META.schema) === String(SCHEMA_VERSION) ? 'current' : 'stale';
};

const preparePostgres = async (url: string, opts: PrepareOptions): Promise<DemoDb> => {
  const db = await openPostgres(url, opts);
  try {
    const state = await inspect(db, opts.dataset);
    if (state === 'foreign' && opts.replace !== true) {
      throw new RunError('PS_DEMO_FOREIGN_TABLES', 'the database at DATABASE_URL already has tables named tenants, accounts or orders that the demo did not create', {
        hint: 'point DATABASE_URL at an empty database, or pass --replace to drop those tables',
      });
    }
    if (state === 'current') {
      const undone = await undoMigration(db);
      if (undone.undone) opts.log?.(`undid the previous run's migration in ${undone.ms} ms`);
    } else {
      const took = stopwatch(opts.clock);
      opts.log?.(`loading ${opts.dataset.manifest.tables.orders ?? 0} orders into PostgreSQL`);
      await loadDataset(db, opts.dataset);
      opts.log?.(`loaded in ${fmtS(took() / 1000)}`);
    }
    return db;
  } catch (e) {
    await db.close();
    throw e;
  }
};

const preparePglite = async (opts: PrepareOptions): Promise<DemoDb> => {
  const dir = join(opts.cacheDir, 'pglite');
  const tarball = join(dir, `${opts.dataset.key}-schema${SCHEMA_VERSION}.tgz`);
  if (existsSync(tarball)) {
    try {
      return await openPglite({ ...opts, tarball });
    } catch (e) {
      opts.log?.(`the cached database ${tarball} did not open (${errorMessage(e)}); loading it again`);
      await rm(tarball, { force: true });
    }
  }
  const took = stopwatch(opts.clock);
  opts.log?.(`loading ${opts.dataset.manifest.tables.orders ?? 0} orders into the embedded PGlite (once; cached in ${dir})`);
  const db = await openPglite(opts);
  try {
    await loadDataset(db, opts.dataset);
    await mkdir(dir, { recursive: true });
    const tmp = `${tarball}.${process.pid}.tmp`;
    await db.dumpTo(tmp);
    await rename(tmp, tarball);
  } catch (e) {
    await db.close();
    throw e;
  }
  opts.log?.(`loaded in ${fmtS(took() / 1000)}`);
  return db;
};

/** Opens the demo's database with the dataset loaded and no migration applied. */
export const prepareDatabase = async (opts: PrepareOptions): Promise<DemoDb> => {
  const url = opts.databaseUrl ?? null;
  return url !== null && url !== '' ? preparePostgres(url, opts) : preparePglite(opts);
};
