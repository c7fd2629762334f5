/**
 * The staging schema of an atomic PostgreSQL load. A load builds its tables,
 * keys, indexes and statistics in a private schema `prodshape_load_<12 hex>`,
 * then swaps them into the user's schema in one transaction (swapStatements).
 * Until that commit the user's tables are untouched, whatever stops the load.
 *
 * Ownership: every connection of a load holds a shared session advisory lock
 * keyed on its schema's name (taken before the schema is created). A schema
 * whose lock can be taken exclusively has no live owner (its process was
 * killed and PostgreSQL closed its sessions): the next load drops it.
 */
import { randomBytes } from 'node:crypto';
import { errorMessage } from '../../core/errors.js';
import { ident } from '../schema.js';
import type { Queryable } from './existing.js';

/** Every staging schema's name starts with this. */
export const STAGING_PREFIX = 'prodshape_load_';

/** A fresh staging schema name: the prefix and 12 random hex digits. */
export const stagingSchemaName = (): string => `${STAGING_PREFIX}${randomBytes(6).toString('hex')}`;

/** First key of the advisory locks (`psld` as a 32-bit integer), so they never collide with an application's one-key locks. */
const LOCK_CLASS = 0x70736c64;

/** Takes the shared advisory lock that marks `schema` as owned by this session (waits while a cleaner holds it). */
export const lockStagingShared = async (db: Queryable, schema: string): Promise<void> => {
  await db.query('SELECT pg_advisory_lock_shared($1, hashtext($2))', [LOCK_CLASS, schema]);
};

/**
 * Drops every staging schema left by a load whose sessions are gone (a
 * `kill -9`, a crash, a lost server): those whose advisory lock is free.
 * Schemas of loads still running are left alone. Returns one line per schema
 * found without an owner (dropped, or why not).
 */
export const dropLeftoverSchemas = async (db: Queryable): Promise<string[]> => {
  const found = await db.query<{ name: string }>('SELECT nspname AS name FROM pg_namespace WHERE nspname LIKE $1 ORDER BY 1', [`${STAGING_PREFIX.replace(/_/g, '\\_')}%`]);
  const lines: string[] = [];
  for (const { name } of found.rows) {
    const got = await db.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [LOCK_CLASS, name]);
    if (got.rows[0]?.ok !== true) continue;
    try {
      await db.query(`DROP SCHEMA IF EXISTS ${ident(name)} CASCADE`);
      lines.push(`dropped ${name}, left by an earlier load that was killed before it could clean up`);
    } catch (e) {
      lines.push(`could not drop ${name}, left by an earlier load: ${errorMessage(e)}`);
    } finally {
      await db.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_CLASS, name]);
    }
  }
  return lines;
};

/** A table already in the user's schema, empty, filled as it is (its columns, defaults and indexes kept). */
export interface FillTable {
  /** Schema and name of the user's table. */
  schema: string;
  table: string;
  /** The dataset's columns, in COPY order. */
  columns: string[];
  /** Run after its rows are in, with the user's search path: primary key, declared indexes, ANALYZE. */
  after: string[];
}

/** What the swap does, in one transaction. */
export interface SwapPlan {
  staging: string;
  /** The user's search path (`SHOW search_path`), restored for `fill` tables' statements and `last`. */
  searchPath: string;
  /** `--replace`: the user's tables to drop, as `[schema, table]`. */
  drop: [string, string][];
  /** Tables built in the staging schema, moved into `target` with their keys, indexes and statistics. */
  move: string[];
  target: string;
  fill: FillTable[];
  /** Last statements (foreign keys that involve a filled table). */
  last: string[];
}

/** `schema.table`, each quoted when it must be. */
export const qualified = (schema: string, table: string): string => `${ident(schema)}.${ident(table)}`;

/**
 * The swap's statements, between BEGIN and COMMIT: drop the replaced tables,
 * move the new ones (their indexes and constraints keep their names, which
 * are the final ones), copy the rows of filled tables into the user's and
 * build their keys, drop the staging schema. Pure.
 */
export const swapStatements = (p: SwapPlan): string[] => [
  ...(p.drop.length > 0 ? [`DROP TABLE ${p.drop.map(([s, t]) => qualified(s, t)).join(', ')}`] : []),
  ...p.move.map((t) => `ALTER TABLE ${qualified(p.staging, t)} SET SCHEMA ${ident(p.target)}`),
  ...p.fill.map((f) => {
    const cols = f.columns.map(ident).join(', ');
    return `INSERT INTO ${qualified(f.schema, f.table)} (${cols}) SELECT ${cols} FROM ${qualified(p.staging, f.table)}`;
  }),
  `DROP SCHEMA ${ident(p.staging)} CASCADE`,
  ...(p.fill.length > 0 || p.last.length > 0 ? [`SET LOCAL search_path = ${p.searchPath === '' ? "''" : p.searchPath}`] : []),
  ...p.fill.flatMap((f) => f.after),
  ...p.last,
];

/**
 * Test hook: when the environment variable PRODSHAPE_TEST_PAUSE_AT names
 * `phase`, the load logs that it pauses and waits there until `stopped`
 * aborts (a signal reached the command, a connection was lost) or 60 s pass, so an end-to-end test
 * can signal the CLI at a phase that lasts milliseconds at a test's scale.
 * Unset (every normal run) or naming another phase: returns at once.
 * Phases: `copy` (mid-COPY of the first, biggest table), `indexes` (a table
 * ANALYZEd, its keys not yet built), `swap` (everything built, before the swap).
 */
export const testPause = async (phase: 'copy' | 'indexes' | 'swap', stopped: AbortSignal, log: (line: string) => void): Promise<void> => {
  if (process.env.PRODSHAPE_TEST_PAUSE_AT !== phase || stopped.aborted) return;
  log(`test pause at ${phase} (PRODSHAPE_TEST_PAUSE_AT): waiting for a signal`);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 60_000);
    stopped.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
};
