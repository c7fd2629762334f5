/**
 * The PostgreSQL sink: streams each table with `COPY … FROM STDIN (FORMAT csv,
 * FREEZE)` in the transaction that creates it, while the rows are still being
 * made (generation overlaps the server's work). Keys and indexes are built
 * after the rows are in, on a second connection while the next table loads,
 * then each table is ANALYZEd.
 *
 * Existing tables: missing ones are created; empty ones are filled as they
 * are (the user's migrations may have made them); non-empty ones are refused
 * unless `replace`, which drops and recreates them.
 */
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { finished } from 'node:stream/promises';
import { RunError, errorMessage } from '../../core/errors.js';
import { inspectTables, type Existing } from './existing.js';
import { registerSecret } from '../../core/secrets.js';
import { createIndexSql, createTableSql, foreignKeySql, ident, primaryKeyName } from '../schema.js';
import { writeWithBackpressure } from './files.js';
import { COPY_BINARY_HEADER, COPY_BINARY_TRAILER } from '../pgbinary.js';
import type { CompiledTable } from '../columns.js';
import type { Dataset } from '../dataset.js';
import type { Sink, TableWriter } from '../sink.js';

export interface PostgresSinkOptions {
  /** `postgres://user:pass@host:port/db`; the password never reaches an output. */
  url: string;
  /** Drop and recreate tables that already hold rows (default false: refuse). */
  replace?: boolean;
  /** Connections building indexes (default 1; the COPY connection joins when the COPYs are done). */
  indexConnections?: number;
  /** Send rows in PostgreSQL's binary COPY format where the column types allow (default true); false: CSV. */
  binary?: boolean;
}

/** `host:port/db` of a URL, for messages (never the user or password). */
export const describeUrl = (url: string): string => {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch (e) {
    if (e instanceof TypeError) return '(the given URL)';
    throw e;
  }
};

const connect = async (url: string): Promise<pg.Client> => {
  const client = new pg.Client({ connectionString: url, application_name: 'prodshape generate' });
  try {
    await client.connect();
  } catch (e) {
    throw new RunError('PS_PG_CONNECT', `cannot connect to PostgreSQL at ${describeUrl(url)}: ${errorMessage(e)}`, {
      hint: 'check the --to URL (postgres://user:password@host:port/database) and that the server is running', cause: e,
    });
  }
  // A connection error after connect (server gone) must not crash the process: queries report it.
  client.on('error', () => undefined);
  // Bulk-load settings for this session only; safe for a dataset that can be regenerated.
  await client.query("SET synchronous_commit = off; SET maintenance_work_mem = '256MB'");
  return client;
};

/** A tiny job pool: jobs run on whichever connection is idle. */
const jobPool = () => {
  const idle: pg.Client[] = [];
  const queue: { job: (c: pg.Client) => Promise<void>; resolve: () => void; reject: (e: unknown) => void }[] = [];
  const pump = (): void => {
    while (idle.length > 0 && queue.length > 0) {
      const client = idle.pop() as pg.Client;
      const next = queue.shift();
      if (next === undefined) break;
      next
        .job(client)
        .then(next.resolve, next.reject)
        .finally(() => {
          idle.push(client);
          pump();
        });
    }
  };
  return {
    add(client: pg.Client): void {
      idle.push(client);
      pump();
    },
    run(job: (c: pg.Client) => Promise<void>): Promise<void> {
      return new Promise((resolve, reject) => {
        queue.push({ job, resolve, reject });
        pump();
      });
    },
  };
};

const sqlError = (what: string, e: unknown): RunError =>
  new RunError('PS_PG_LOAD', `${what}: ${errorMessage(e)}`, { hint: 'the server refused a statement; see the message above', cause: e });

/** A sink loading every table into the PostgreSQL at `opts.url`. */
export const postgresSink = (opts: PostgresSinkOptions): Sink => {
  registerSecret(opts.url);
  /** Connections free for the next COPY (one per table loading at the same time). */
  const copyIdle: pg.Client[] = [];
  const clients: pg.Client[] = [];
  const connectTracked = async (): Promise<pg.Client> => {
    const c = await connect(opts.url);
    clients.push(c);
    return c;
  };
  const pool = jobPool();
  const existing = new Map<string, Existing>();
  const pending: Promise<void>[] = [];
  let ds: Dataset | null = null;

  /**
   * ANALYZE, keys and indexes of one loaded table, as jobs on the index
   * connections. ANALYZE goes first: it conflicts with CREATE INDEX on the same
   * table, and the indexes of one table build side by side.
   */
  const afterLoad = async (t: CompiledTable): Promise<void> => {
    const before = existing.get(t.name);
    const reused = before?.exists === true;
    const indexes = (ds?.spec.indexes ?? []).filter((ix) => ix.table === t.name);
    const addKey = t.idColumn !== null && !before?.hasPrimaryKey;
    await pool.run(async (c) => {
      await c.query(`ANALYZE ${ident(t.name)}`);
    });
    const builds: Promise<void>[] = [];
    if (addKey) {
      builds.push(pool.run(async (c) => {
        await c.query(`CREATE UNIQUE INDEX ${ident(primaryKeyName(t))} ON ${ident(t.name)} (${ident(t.idColumn ?? '')})`).catch((e: unknown) => {
          throw sqlError(`building the primary key of ${t.name}`, e);
        });
      }));
    }
    for (const ix of indexes) {
      builds.push(pool.run(async (c) => {
        await c.query(createIndexSql(ix, { ifNotExists: reused })).catch((e: unknown) => {
          throw sqlError(`creating index ${ix.text}`, e);
        });
      }));
    }
    await Promise.all(builds);
    if (!addKey) return;
    await pool.run(async (c) => {
      const pk = ident(primaryKeyName(t));
      await c.query(`ALTER TABLE ${ident(t.name)} ADD CONSTRAINT ${pk} PRIMARY KEY USING INDEX ${pk}`).catch((e: unknown) => {
        throw sqlError(`adding the primary key of ${t.name}`, e);
      });
    });
  };

  /** Binary COPY for tables created here whose every column type has a binary encoder. */
  const binaryFor = (t: CompiledTable): boolean => opts.binary !== false && t.binRow !== null && existing.get(t.name)?.exists !== true;

  return {
    formatFor: (t) => (binaryFor(t) ? 'pgbinary' : 'csv'),
    async begin(dataset) {
      ds = dataset;
      const first = await connectTracked();
      const names = dataset.tables.map((t) => t.name);
      for (const [n, e] of await inspectTables(first, names, opts.replace ?? false, describeUrl(opts.url))) existing.set(n, e);
      if (opts.replace) {
        const present = names.filter((n) => existing.get(n)?.exists);
        if (present.length > 0) {
          await first.query(`DROP TABLE IF EXISTS ${present.map(ident).join(', ')}`).catch((e: unknown) => {
            throw sqlError(`dropping ${present.join(', ')} (--replace)`, e);
          });
        }
        for (const n of present) existing.set(n, { exists: false, hasRows: false, hasPrimaryKey: false });
      }
      copyIdle.push(first);
      for (let k = 0; k < Math.max(1, opts.indexConnections ?? 1); k++) pool.add(await connectTracked());
    },
    async openTable(t): Promise<TableWriter> {
      // Each table loading at the same time COPYs on its own connection, in its own transaction.
      const client = copyIdle.pop() ?? (await connectTracked());
      const before = existing.get(t.name);
      await client.query('BEGIN');
      // Creating (or truncating) the table in the COPY's transaction allows FREEZE: no later rewrite for hint bits.
      await client.query(before?.exists ? `TRUNCATE ${ident(t.name)}` : createTableSql(t)).catch((e: unknown) => {
        throw sqlError(`creating table ${t.name}`, e);
      });
      const cols = t.columns.map((c) => ident(c.name)).join(', ');
      const binary = binaryFor(t);
      const stream = client.query(copyFrom(`COPY ${ident(t.name)} (${cols}) FROM STDIN WITH (FORMAT ${binary ? 'binary' : 'csv'}, FREEZE true)`));
      if (binary) stream.write(COPY_BINARY_HEADER);
      let failure: unknown = null;
      stream.on('error', (e) => {
        failure = e;
      });
      const check = (): void => {
        if (failure !== null) throw sqlError(`loading ${t.name}`, failure);
      };
      return {
        async write(chunk) {
          check();
          await writeWithBackpressure(stream, chunk).catch((e: unknown) => {
            throw sqlError(`loading ${t.name}`, e);
          });
        },
        async end() {
          check();
          if (binary) stream.write(COPY_BINARY_TRAILER);
          stream.end();
          await finished(stream).catch((e: unknown) => {
            throw sqlError(`loading ${t.name}`, e);
          });
          await client.query('COMMIT');
          copyIdle.push(client);
          const job = afterLoad(t);
          // Keep the rejection observed now; finish() reports it.
          job.catch(() => undefined);
          pending.push(job);
        },
      };
    },
    async finish(dataset, step) {
      // The COPY connections build indexes too, now.
      for (let c = copyIdle.pop(); c !== undefined; c = copyIdle.pop()) pool.add(c);
      step('building keys and indexes, then ANALYZE');
      await Promise.all(pending);
      if (dataset.spec.foreignKeys) {
        step('adding foreign keys');
        for (const sql of foreignKeySql(dataset)) {
          await pool.run(async (c) => {
            await c.query(sql).catch((e: unknown) => {
              throw sqlError('adding a foreign key', e);
            });
          });
        }
      }
      await Promise.all(clients.map((c) => c.end()));
      clients.length = 0;
    },
    async abort() {
      // Closing a connection rolls back its open transaction (and an unfinished COPY).
      await Promise.allSettled(clients.map((c) => c.end()));
      clients.length = 0;
    },
  };
};
