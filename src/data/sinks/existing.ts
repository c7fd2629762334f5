/**
 * What a database already holds for a dataset's tables, and the refusal to
 * load into tables with rows (shared by the PostgreSQL and PGlite sinks).
 */
import { inputError } from '../../core/errors.js';
import { ident } from '../schema.js';

/** Anything with pg's `query(text, params) → { rows }` (pg.Client, PGlite). */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

export interface Existing {
  exists: boolean;
  hasRows: boolean;
  hasPrimaryKey: boolean;
}

/** Whether `table` exists (on the search path), holds rows, has a primary key. */
export const inspectTable = async (db: Queryable, table: string): Promise<Existing> => {
  const r = await db.query<{ oid: number | string | null }>('SELECT to_regclass($1)::oid AS oid', [ident(table)]);
  const oid = r.rows[0]?.oid ?? null;
  if (oid === null) return { exists: false, hasRows: false, hasPrimaryKey: false };
  const rows = await db.query<{ has: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${ident(table)}) AS has`);
  const pk = await db.query<{ has: boolean }>('SELECT EXISTS (SELECT 1 FROM pg_index WHERE indrelid = $1::oid AND indisprimary) AS has', [oid]);
  return { exists: true, hasRows: rows.rows[0]?.has ?? false, hasPrimaryKey: pk.rows[0]?.has ?? false };
};

/**
 * Throws an InputError (PS_PG_NOT_EMPTY) naming the tables that hold rows
 * unless `replace`. `where` names the database in the message (shared by
 * every database sink).
 */
export const refuseNonEmpty = (existing: ReadonlyMap<string, Pick<Existing, 'hasRows'>>, tables: string[], replace: boolean, where: string): void => {
  const full = tables.filter((t) => existing.get(t)?.hasRows);
  if (full.length > 0 && !replace) {
    const one = full.length === 1;
    throw inputError('--to', `${one ? 'table' : 'tables'} ${full.join(', ')} in ${where} already ${one ? 'has' : 'have'} rows; prodshape loads only into missing or empty tables`, {
      hint: `pass --replace to drop and recreate ${tables.join(', ')}`, code: 'PS_PG_NOT_EMPTY',
    });
  }
};

/** Inspects every table, then refuses those with rows unless `replace` (refuseNonEmpty). */
export const inspectTables = async (db: Queryable, tables: string[], replace: boolean, where: string): Promise<Map<string, Existing>> => {
  const existing = new Map<string, Existing>();
  for (const t of tables) existing.set(t, await inspectTable(db, t));
  refuseNonEmpty(existing, tables, replace, where);
  return existing;
};
