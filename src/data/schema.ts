/**
 * The DDL of a dataset (schema.sql): CREATE TABLE with inferred or declared
 * types, primary keys on id columns, the indexes the scenario declares and,
 * when asked, foreign keys. The loader runs the same statements, with keys
 * and indexes built after the rows are in (much faster than maintaining them
 * during COPY).
 */
import type { Dataset } from './dataset.js';
import type { CompiledTable } from './columns.js';
import type { IndexSpec } from '../scenario/data-spec.js';

// PostgreSQL's reserved key words (and those that cannot name a column or table unquoted).
const RESERVED = new Set(
  ('all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate collation column ' +
    'concurrently constraint create cross current_catalog current_date current_role current_schema current_time ' +
    'current_timestamp current_user default deferrable desc distinct do else end except false fetch for foreign freeze ' +
    'from full grant group having ilike in initially inner intersect into is isnull join lateral leading left like limit ' +
    'localtime localtimestamp natural not notnull null offset on only or order outer overlaps placing primary references ' +
    'returning right select session_user similar some symmetric system_user table tablesample then to trailing true union ' +
    'unique user using variadic verbose when where window with').split(' '),
);

/** An identifier, quoted only when it must be. */
export const ident = (name: string): string => (/^[a-z_][a-z0-9_]*$/.test(name) && !RESERVED.has(name) ? name : `"${name.replace(/"/g, '""')}"`);

/** `CREATE TABLE` without keys (the loader adds them after COPY). */
export const createTableSql = (t: CompiledTable, opts: { primaryKey?: boolean } = {}): string => {
  const cols = t.columns.map((c) => `  ${ident(c.name)} ${c.sqlType}${c.notNull ? ' NOT NULL' : ''}${opts.primaryKey && c.name === t.idColumn ? ' PRIMARY KEY' : ''}`);
  return `CREATE TABLE ${ident(t.name)} (\n${cols.join(',\n')}\n);`;
};

/** Name of a table's primary key index (PostgreSQL's default name). */
export const primaryKeyName = (t: CompiledTable): string => `${t.name}_pkey`.slice(0, 63);

/** `CREATE [UNIQUE] INDEX` for a declared index (`ifNotExists` for tables that may already have it). */
export const createIndexSql = (ix: IndexSpec, opts: { ifNotExists?: boolean } = {}): string => {
  const cols = ix.columns.map((c) => {
    const [name = '', dir] = c.split(' ');
    return dir === undefined ? ident(name) : `${ident(name)} ${dir}`;
  });
  return `CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX ${opts.ifNotExists ? 'IF NOT EXISTS ' : ''}${ident(ix.name.slice(0, 63))} ON ${ident(ix.table)} (${cols.join(', ')});`;
};

/** A FOREIGN KEY constraint: the table it is on, the table it references, its `ALTER TABLE` statement. */
export interface ForeignKey {
  table: string;
  references: string;
  sql: string;
}

/** FOREIGN KEY constraints for every ref column (to tables with an id column). */
export const foreignKeys = (ds: Dataset): ForeignKey[] =>
  ds.tables.flatMap((t) =>
    t.columns
      .filter((c) => c.references !== null)
      .map((c) => {
        const references = c.references ?? '';
        const target = ds.tables.find((x) => x.name === references);
        const name = `${t.name}_${c.name}_fkey`.slice(0, 63);
        return {
          table: t.name,
          references,
          sql: `ALTER TABLE ${ident(t.name)} ADD CONSTRAINT ${ident(name)} FOREIGN KEY (${ident(c.name)}) REFERENCES ${ident(references)} (${ident(target?.idColumn ?? 'id')});`,
        };
      }),
  );

/** The `ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY` statements of foreignKeys. */
export const foreignKeySql = (ds: Dataset): string[] => foreignKeys(ds).map((f) => f.sql);

/** The whole schema.sql: tables with primary keys, declared indexes, foreign keys when asked. */
export const schemaSql = (ds: Dataset): string => {
  const lines = [
    `-- prodshape generate: scenario ${ds.scenario}, seed ${ds.seed}, scale ${ds.scale}`,
    '-- Tables, then the indexes the scenario declares. Loading is faster when the',
    '-- indexes are created after the rows are in (prodshape generate --to does that).',
    '',
    ...ds.tables.map((t) => `${createTableSql(t, { primaryKey: true })}\n`),
    ...ds.spec.indexes.map((ix) => createIndexSql(ix)),
  ];
  if (ds.spec.foreignKeys) lines.push('', ...foreignKeySql(ds));
  return `${lines.join('\n')}\n`;
};
