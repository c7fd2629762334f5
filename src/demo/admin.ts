/**
 * The demo's admin actions, apart from HTTP: the migration that plants the
 * plan regression, ANALYZE, and its undo. The state (migrated or not, the
 * legacy tenant's id) lives in the database's meta table, so a demo restarted
 * on the same DATABASE_URL knows it and can undo it.
 */
import { PoolTimeoutError, type DemoConn, type DemoDb, type Row } from './db.js';
import { ANALYZE_ORDERS, GET_META, LEGACY_TENANT_SQL, SET_META, migrationSteps, resetSteps } from './sql.js';

/** Keys of the meta table. */
export const META = {
  dataset: 'dataset_key',
  schema: 'schema_version',
  ordersRows: 'orders_rows',
  /** The legacy tenant's id while migrated; absent otherwise. */
  legacyTenant: 'legacy_tenant',
} as const;

export interface MigrationResult {
  applied: boolean;
  legacy_tenant: number | null;
  imported_rows: number;
  analyzed: boolean;
  steps: { name: string; ms: number }[];
  ms: number;
}

/** How long an admin action waits, at most, for a connection of a saturated pool, ms. */
const ADMIN_WAIT_MS = 120_000;

/**
 * A pool connection for an admin action's own bookkeeping: past the pool's
 * acquire timeout it asks again (until ADMIN_WAIT_MS), so a migration
 * released into a saturated service still runs, as a deploy tool would.
 */
const withAdminConnection = async <T>(db: DemoDb, fn: (c: DemoConn) => Promise<T>): Promise<T> => {
  const t0 = db.clock.nowMs();
  for (;;) {
    try {
      return await db.withConnection(fn);
    } catch (e) {
      if (!(e instanceof PoolTimeoutError) || db.clock.nowMs() - t0 > ADMIN_WAIT_MS) throw e;
    }
  }
};

const oneRow = async (db: DemoDb, sql: string, params: unknown[] = []): Promise<Row | undefined> =>
  withAdminConnection(db, async (c) => (await c.query(sql, params))[0]);

/** Reads the meta table into a map. */
export const readMeta = async (db: DemoDb): Promise<Map<string, string>> =>
  withAdminConnection(db, async (c) => new Map((await c.query<{ key: string; value: string }>(GET_META)).map((r) => [r.key, r.value])));

export const writeMeta = async (db: DemoDb, key: string, value: string): Promise<void> => {
  await withAdminConnection(db, (c) => c.query(SET_META, [key, value]));
};

const deleteMeta = async (db: DemoDb, key: string): Promise<void> => {
  await withAdminConnection(db, (c) => c.query(`DELETE FROM prodshape_demo WHERE key = $1`, [key]));
};

const timedStep = async (db: DemoDb, steps: MigrationResult['steps'], name: string, run: () => Promise<void>): Promise<void> => {
  const t0 = db.clock.nowMs();
  await run();
  steps.push({ name, ms: Math.round(db.clock.nowMs() - t0) });
};

/**
 * The legacy import's size: a twentieth of the table's rows, at least
 * 50,000. Enough to flip the plan of the big tenants (they walk the new index
 * over every imported row: 2-3x the rows for the biggest, 10-300x for tenants
 * of 2,000-14,000 rows), not so many that the median tenant flips too (a
 * third of the table flipped every tenant and cut the demo's capacity by 4x).
 */
const IMPORT_DIVISOR = 20;
const MIN_IMPORTED_ROWS = 50_000;

/**
 * Imports the legacy open orders (IMPORT_DIVISOR) and adds the created_at index, then ANALYZEs unless `analyze` is
 * false. Does nothing (applied: false) when already migrated.
 */
export const runMigration = async (db: DemoDb, opts: { analyze: boolean }): Promise<MigrationResult> => {
  const t0 = db.clock.nowMs();
  const meta = await readMeta(db);
  if (meta.has(META.legacyTenant)) {
    return { applied: false, legacy_tenant: Number(meta.get(META.legacyTenant)), imported_rows: 0, analyzed: false, steps: [], ms: 0 };
  }
  const ordersRows = Number(meta.get(META.ordersRows) ?? 0);
  const rows = Math.max(MIN_IMPORTED_ROWS, Math.round(ordersRows / IMPORT_DIVISOR));
  const legacy = Number((await oneRow(db, LEGACY_TENANT_SQL))?.id ?? 1);
  const steps: MigrationResult['steps'] = [];
  // Recorded first, so a migration that fails half-way can still be undone (undoMigration).
  await writeMeta(db, META.legacyTenant, String(legacy));
  for (const step of migrationSteps(legacy, rows)) await timedStep(db, steps, step.name, () => db.exec(step.sql));
  if (opts.analyze) await timedStep(db, steps, 'analyze orders', () => db.exec(ANALYZE_ORDERS));
  return { applied: true, legacy_tenant: legacy, imported_rows: rows, analyzed: opts.analyze, steps, ms: Math.round(db.clock.nowMs() - t0) };
};

/** ANALYZE orders: statistics catch up with whatever changed. */
export const runAnalyze = async (db: DemoDb): Promise<{ ms: number }> => {
  const t0 = db.clock.nowMs();
  await db.exec(ANALYZE_ORDERS);
  return { ms: Math.round(db.clock.nowMs() - t0) };
};

/** Undoes the migration when it was applied; returns whether it did. */
export const undoMigration = async (db: DemoDb): Promise<{ undone: boolean; ms: number }> => {
  const t0 = db.clock.nowMs();
  const legacy = (await readMeta(db)).get(META.legacyTenant);
  if (legacy === undefined) return { undone: false, ms: 0 };
  for (const sql of resetSteps(Number(legacy))) await db.exec(sql);
  await deleteMeta(db, META.legacyTenant);
  return { undone: true, ms: Math.round(db.clock.nowMs() - t0) };
};
