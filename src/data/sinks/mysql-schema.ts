/**
 * The DDL and load statements of a dataset in MySQL/MariaDB. Column types are
 * written in PostgreSQL's words by the data stage (`bigint`, `numeric`,
 * `timestamptz`, `text`, …); here they become MySQL's, and the rows (the same
 * CSV that PostgreSQL's COPY reads) are read by `LOAD DATA` with each value
 * converted where MySQL reads it differently (an unquoted empty field is NULL,
 * `true`/`false`, ISO 8601 timestamps in UTC). Pure.
 */
import type { CompiledTable } from '../columns.js';
import type { IndexSpec } from '../../scenario/data-spec.js';

/** A MySQL identifier, always quoted with backticks. */
export const mysqlIdent = (name: string): string => `\`${name.replace(/`/g, '``')}\``;

/** MySQL's longest identifier. */
const MAX_IDENT = 64;

/** How a PostgreSQL column type is stored in MySQL, and how its CSV text is read. */
interface MysqlType {
  sql: string;
  /** `@v` (the field as read) → the value stored. */
  read: (v: string) => string;
}

const asIs = (v: string): string => v;
const TIMESTAMP = (v: string): string => `STR_TO_DATE(${v}, '%Y-%m-%dT%H:%i:%sZ')`;

/**
 * The MySQL type of a column. `indexed` text becomes VARCHAR(255), as MySQL
 * indexes TEXT only by a prefix. Unknown types pass through as written.
 */
export const mysqlType = (pgType: string, indexed: boolean): MysqlType => {
  const t = pgType.trim().toLowerCase().replace(/\s+/g, ' ');
  const numeric = /^(numeric|decimal)(\s*\((\d+)\s*(,\s*(\d+))?\))?$/.exec(t);
  if (numeric !== null) return { sql: numeric[2] === undefined ? 'DECIMAL(38,10)' : `DECIMAL(${numeric[3] ?? '38'},${numeric[5] ?? '0'})`, read: asIs };
  if (/^varchar\s*\(\d+\)$|^character varying\s*\(\d+\)$/.test(t)) return { sql: t.replace('character varying', 'VARCHAR').toUpperCase(), read: asIs };
  const simple: Record<string, MysqlType> = {
    bigint: { sql: 'BIGINT', read: asIs }, int8: { sql: 'BIGINT', read: asIs },
    integer: { sql: 'INT', read: asIs }, int: { sql: 'INT', read: asIs }, int4: { sql: 'INT', read: asIs },
    smallint: { sql: 'SMALLINT', read: asIs }, int2: { sql: 'SMALLINT', read: asIs },
    'double precision': { sql: 'DOUBLE', read: asIs }, float8: { sql: 'DOUBLE', read: asIs },
    real: { sql: 'FLOAT', read: asIs }, float4: { sql: 'FLOAT', read: asIs },
    boolean: { sql: 'BOOLEAN', read: (v) => `(${v} IN ('t', 'true', '1'))` }, bool: { sql: 'BOOLEAN', read: (v) => `(${v} IN ('t', 'true', '1'))` },
    timestamptz: { sql: 'DATETIME', read: TIMESTAMP }, timestamp: { sql: 'DATETIME', read: TIMESTAMP },
    'timestamp with time zone': { sql: 'DATETIME', read: TIMESTAMP }, 'timestamp without time zone': { sql: 'DATETIME', read: TIMESTAMP },
    date: { sql: 'DATE', read: asIs },
    uuid: { sql: 'CHAR(36)', read: asIs },
    json: { sql: 'JSON', read: asIs }, jsonb: { sql: 'JSON', read: asIs },
    text: { sql: indexed ? 'VARCHAR(255)' : 'TEXT', read: asIs },
  };
  return simple[t] ?? { sql: pgType, read: asIs };
};

/** Columns of `t` that a key or a declared index covers (they must be indexable). */
const indexedColumns = (t: CompiledTable, indexes: readonly IndexSpec[]): Set<string> =>
  new Set([...(t.idColumn === null ? [] : [t.idColumn]), ...indexes.filter((ix) => ix.table === t.name).flatMap((ix) => ix.columns.map((c) => c.split(' ')[0] ?? ''))]);

/**
 * `CREATE TABLE` of `t` under the name `as`, with its primary key (InnoDB
 * stores rows in key order, and the rows come in id order, so declaring the
 * key first is cheaper than adding it after), without the declared indexes.
 */
export const mysqlCreateTable = (t: CompiledTable, as: string, indexes: readonly IndexSpec[]): string => {
  const indexed = indexedColumns(t, indexes);
  const cols = t.columns.map((c) => `  ${mysqlIdent(c.name)} ${mysqlType(c.sqlType, indexed.has(c.name)).sql}${c.notNull || c.name === t.idColumn ? ' NOT NULL' : ''}`);
  if (t.idColumn !== null) cols.push(`  PRIMARY KEY (${mysqlIdent(t.idColumn)})`);
  return `CREATE TABLE ${mysqlIdent(as)} (\n${cols.join(',\n')}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;
};

/** `ALTER TABLE … ADD [UNIQUE] INDEX …` of a table's declared indexes, in one statement (one rebuild), or null. */
export const mysqlAddIndexes = (table: string, as: string, indexes: readonly IndexSpec[]): string | null => {
  const mine = indexes.filter((ix) => ix.table === table);
  if (mine.length === 0) return null;
  const adds = mine.map((ix) => {
    const cols = ix.columns.map((c) => {
      const [name = '', dir] = c.split(' ');
      return dir === undefined ? mysqlIdent(name) : `${mysqlIdent(name)} ${dir.toUpperCase()}`;
    });
    return `ADD ${ix.unique ? 'UNIQUE ' : ''}INDEX ${mysqlIdent(ix.name.slice(0, MAX_IDENT))} (${cols.join(', ')})`;
  });
  return `ALTER TABLE ${mysqlIdent(as)} ${adds.join(', ')}`;
};

/**
 * `LOAD DATA LOCAL INFILE` of the dataset's CSV (RFC 4180, no header, `\n`
 * line ends) into `as`. Every field is read into a variable: a nullable
 * column's empty field is NULL (as in PostgreSQL's CSV; an empty string
 * loads as NULL too), others are converted by their type.
 */
export const mysqlLoadData = (t: CompiledTable, as: string, indexes: readonly IndexSpec[]): string => {
  const indexed = indexedColumns(t, indexes);
  const vars = t.columns.map((_, i) => `@c${i}`);
  const sets = t.columns.map((c, i) => {
    const v = `@c${i}`;
    const read = mysqlType(c.sqlType, indexed.has(c.name)).read(v);
    const nullable = !c.notNull && c.name !== t.idColumn;
    return `${mysqlIdent(c.name)} = ${nullable ? `IF(${v} = '', NULL, ${read})` : read}`;
  });
  return `LOAD DATA LOCAL INFILE 'prodshape:${t.name.replace(/[^A-Za-z0-9_]/g, '_')}' INTO TABLE ${mysqlIdent(as)} CHARACTER SET utf8mb4
  FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '"' ESCAPED BY '' LINES TERMINATED BY '\\n'
  (${vars.join(', ')}) SET ${sets.join(', ')}`;
};

/** A CSV field → the value a multi-row INSERT sends for a column of `pgType` (`nullable`: an empty field is NULL). */
export const mysqlInsertValue = (pgType: string, nullable: boolean): ((v: string) => string | number | null) => {
  const sql = mysqlType(pgType, false).sql;
  const conv: (v: string) => string | number =
    sql === 'DATETIME' ? (v) => v.replace('T', ' ').replace(/Z$/, '') : sql === 'BOOLEAN' ? (v) => (v === 't' || v === 'true' || v === '1' ? 1 : 0) : (v) => v;
  return nullable ? (v) => (v === '' ? null : conv(v)) : conv;
};
