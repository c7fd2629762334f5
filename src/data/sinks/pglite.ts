/**
 * Loading into PGlite (in-process PostgreSQL, `@electric-sql/pglite`), for
 * the embedded demo and tests: tables are created, rows go in with
 * `COPY … FROM '/dev/blob'` in batches of a few MB, then keys, indexes and
 * ANALYZE. Typed against a minimal interface so this package never imports
 * PGlite unless the caller does.
 */
import { RunError, errorMessage } from '../../core/errors.js';
import type { Scenario } from '../../scenario/scenario.js';
import { prepareDataset, type DatasetOptions } from '../dataset.js';
import { createIndexSql, createTableSql, foreignKeySql, ident, primaryKeyName } from '../schema.js';
import { buildManifest } from '../summary.js';
import { writeDataset, type Progress } from '../write.js';
import { inspectTables, type Existing } from './existing.js';
import type { Manifest } from '../manifest.js';
import type { Sink, TableWriter } from '../sink.js';

/** The part of a PGlite instance this loader uses. */
export interface PgliteLike {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[], opts?: { blob?: Blob }): Promise<{ rows: R[] }>;
  exec(sql: string): Promise<unknown>;
}

/** Bytes of CSV sent per COPY. */
const BATCH_BYTES = 4 << 20;

const failed = (what: string, e: unknown): RunError => new RunError('PS_PGLITE_LOAD', `${what}: ${errorMessage(e)}`, { cause: e });

/** A sink loading every table into a PGlite database. */
export const pgliteSink = (db: PgliteLike, opts: { replace?: boolean } = {}): Sink => {
  let existing = new Map<string, Existing>();
  return {
    formatFor: () => 'csv',
    // One database connection: one COPY at a time.
    maxConcurrentTables: 1,
    async begin(ds) {
      const names = ds.tables.map((t) => t.name);
      existing = await inspectTables(db, names, opts.replace ?? false, 'PGlite');
      const present = names.filter((n) => existing.get(n)?.exists);
      if (opts.replace && present.length > 0) {
        await db.exec(`DROP TABLE IF EXISTS ${present.map(ident).join(', ')}`);
        for (const n of present) existing.set(n, { exists: false, hasRows: false, hasPrimaryKey: false });
      }
    },
    async openTable(t): Promise<TableWriter> {
      const before = existing.get(t.name);
      if (!before?.exists) await db.exec(createTableSql(t)).catch((e: unknown) => Promise.reject(failed(`creating table ${t.name}`, e)));
      const copy = `COPY ${ident(t.name)} (${t.columns.map((c) => ident(c.name)).join(', ')}) FROM '/dev/blob' WITH (FORMAT csv)`;
      let batch: Buffer[] = [];
      let bytes = 0;
      const flush = async (): Promise<void> => {
        if (batch.length === 0) return;
        const blob = new Blob(batch);
        batch = [];
        bytes = 0;
        await db.query(copy, [], { blob }).catch((e: unknown) => Promise.reject(failed(`loading ${t.name}`, e)));
      };
      return {
        async write(chunk) {
          batch.push(chunk);
          bytes += chunk.length;
          if (bytes >= BATCH_BYTES) await flush();
        },
        async end() {
          await flush();
          if (t.idColumn !== null && !before?.hasPrimaryKey) {
            await db.exec(`ALTER TABLE ${ident(t.name)} ADD CONSTRAINT ${ident(primaryKeyName(t))} PRIMARY KEY (${ident(t.idColumn)})`);
          }
        },
      };
    },
    async finish(ds, step) {
      step('building indexes, then ANALYZE');
      for (const ix of ds.spec.indexes) {
        await db.exec(createIndexSql(ix, { ifNotExists: true })).catch((e: unknown) => Promise.reject(failed(`creating index ${ix.text}`, e)));
      }
      if (ds.spec.foreignKeys) for (const sql of foreignKeySql(ds)) await db.exec(sql);
      await db.exec(`ANALYZE ${ds.tables.map((t) => ident(t.name)).join(', ')}`);
    },
  };
};

/** Generates a scenario's dataset into a PGlite database; returns the manifest (format `postgres`). */
export const loadIntoPglite = async (
  db: PgliteLike,
  scenario: Scenario | string,
  opts: DatasetOptions & { replace?: boolean; onProgress?: (p: Progress) => void } = {},
): Promise<Manifest> => {
  const ds = await prepareDataset(scenario, opts);
  await writeDataset(ds, [pgliteSink(db, opts)], opts.onProgress === undefined ? {} : { onProgress: opts.onProgress });
  return buildManifest(ds, 'postgres');
};
