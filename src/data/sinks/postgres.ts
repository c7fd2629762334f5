/**
 * The PostgreSQL sink: streams each table with `COPY … FROM STDIN (FORMAT csv,
 * FREEZE)` in the transaction that creates it, while the rows are still being
 * made (generation overlaps the server's work). Keys and indexes are built
 * after the rows are in, on a second connection while the next table loads,
 * then each table is ANALYZEd.
 *
 * Atomic: all of it happens in a private staging schema (staging.ts); one
 * transaction at the end swaps the new tables in. Until then the user's
 * tables are untouched; a failure or abort drops the staging schema.
 *
 * Existing tables: missing ones are created; empty ones are filled as they
 * are (the user's migrations may have made them), in the swap; non-empty ones
 * are refused unless `replace`, which drops them in the swap.
 */
import type pg from 'pg';
import type { from as copyFrom } from 'pg-copy-streams';
import { finished } from 'node:stream/promises';
import { monotonicClock } from '../../core/clock.js';
import { RunError, errorMessage } from '../../core/errors.js';
import { inspectTables, type Existing } from './existing.js';
import { dropLeftoverSchemas, lockStagingShared, qualified, stagingSchemaName, swapStatements, testPause, type FillTable } from './staging.js';
import { registerSecret } from '../../core/secrets.js';
import { createIndexSql, createTableSql, foreignKeys, ident, primaryKeyName } from '../schema.js';
import { writeWithBackpressure } from './files.js';
import { COPY_BINARY_HEADER, COPY_BINARY_TRAILER } from '../pgbinary.js';
import type { CompiledTable } from '../columns.js';
import type { Dataset } from '../dataset.js';
import type { IndexSpec } from '../../scenario/data-spec.js';
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
  /** Lines about the load beside its rows: leftover staging schemas dropped, what a failed or stopped load cleaned up. */
  log?: (line: string) => void;
}

/** `host:port/db` of a URL, for messages (never the user or password). */
export const describeUrl = (url: string, defaultPort = '5432'): string => {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || defaultPort}${u.pathname}`;
  } catch (e) {
    if (e instanceof TypeError) return '(the given URL)';
    throw e;
  }
};

/** A connection in bulk-load settings; `timeoutMs` bounds the connect (0: no bound). */
const connect = async (url: string, timeoutMs = 0): Promise<pg.Client> => {
  const { default: pgLib } = await import('pg');
  const client = new pgLib.Client({ connectionString: url, application_name: 'prodshape generate', connectionTimeoutMillis: timeoutMs });
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

/** `CREATE UNIQUE INDEX` then `ADD CONSTRAINT … PRIMARY KEY USING INDEX`: the key built after the rows are in. */
const primaryKeySql = (t: CompiledTable): [string, string] => {
  const pk = ident(primaryKeyName(t));
  return [
    `CREATE UNIQUE INDEX ${pk} ON ${ident(t.name)} (${ident(t.idColumn ?? '')})`,
    `ALTER TABLE ${ident(t.name)} ADD CONSTRAINT ${pk} PRIMARY KEY USING INDEX ${pk}`,
  ];
};

/** How long an abort waits for its terminated sessions to end before dropping the staging schema. */
const ABORT_WAIT_MS = 5000;

/** Waits (at most ABORT_WAIT_MS, polling every 50 ms) until none of `pids` is a live session. */
const waitSessionsGone = async (db: pg.Client, pids: number[]): Promise<void> => {
  for (let k = 0; k < ABORT_WAIT_MS / 50; k++) {
    const r = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ANY($1::int[])', [pids]);
    if ((r.rows[0]?.n ?? 0) === 0) return;
    await monotonicClock.sleep(50);
  }
};

/** The state of one load, shared by its steps below. */
interface LoadState {
  opts: PostgresSinkOptions;
  log: (line: string) => void;
  /** `host:port/db`, for messages. */
  where: string;
  /** Connections free for the next COPY (one per table loading at the same time). */
  copyIdle: pg.Client[];
  /** Every connection of the load, closed at the end or on abort. */
  clients: pg.Client[];
  /** Aborted when abort() starts: no new connection, test pauses end. */
  stopped: AbortController;
  /** Test pauses (staging.ts) end on a stop or on a lost connection (a connection of the load ended), as a real load would notice either. */
  pauseEnds: AbortSignal;
  connectionEnded: AbortController;
  /** The staging schema, once named (its lock is taken before it is created). */
  staging: string | null;
  /** The user's search path, for CREATE TABLE-like name resolution; staging goes first on every load connection. */
  userPath: string;
  /** Where new tables go (`current_schema()`, as a plain CREATE TABLE would put them). */
  target: string | null;
  /** Schema of each existing table. */
  userSchema: Map<string, string>;
  /** The tables `replace` drops in the swap: [schema, table]. */
  replaced: [string, string][];
  /** `committing` once the swap's COMMIT is sent: from then on an abort waits for its outcome. */
  swap: 'no' | 'running' | 'committing' | 'done';
  commit: Promise<unknown>;
  aborting: Promise<void> | null;
  /** Index connections (the COPY connections join at the end). */
  pool: ReturnType<typeof jobPool>;
  existing: Map<string, Existing>;
  /** Each loaded table's ANALYZE, keys and indexes. */
  pending: Promise<void>[];
  ds: Dataset | null;
  /** Test pauses (staging.ts) happen once each: at the first table's COPY, the first table's keys. */
  copyPause: boolean;
  indexPause: boolean;
}

const loadState = (opts: PostgresSinkOptions): LoadState => {
  const stopped = new AbortController();
  const connectionEnded = new AbortController();
  return {
    opts, log: opts.log ?? (() => undefined), where: describeUrl(opts.url),
    copyIdle: [], clients: [], stopped, connectionEnded, pauseEnds: AbortSignal.any([stopped.signal, connectionEnded.signal]),
    staging: null, userPath: '', target: null, userSchema: new Map(), replaced: [],
    swap: 'no', commit: Promise.resolve(), aborting: null,
    pool: jobPool(), existing: new Map(), pending: [], ds: null, copyPause: true, indexPause: true,
  };
};

const stoppedError = (): RunError => new RunError('PS_PG_LOAD', 'the load was stopped');
const throwIfStopped = (s: LoadState): void => {
  if (s.stopped.signal.aborted) throw stoppedError();
};

/** Marks a connection as one of this load's (the shared lock) and resolves names in the staging schema first. */
const joinStaging = async (s: LoadState, c: pg.Client, schema: string): Promise<void> => {
  await lockStagingShared(c, schema);
  await c.query(`SET search_path = ${ident(schema)}${s.userPath === '' ? '' : `, ${s.userPath}`}`);
};

const connectTracked = async (s: LoadState): Promise<pg.Client> => {
  const c = await connect(s.opts.url);
  if (s.stopped.signal.aborted) {
    await c.end();
    throw stoppedError();
  }
  s.clients.push(c);
  c.once('end', () => s.connectionEnded.abort());
  if (s.staging !== null) await joinStaging(s, c, s.staging);
  return c;
};

/** An empty table of the user's, filled as it is in the swap (not rebuilt). */
const isFill = (s: LoadState, table: string): boolean => s.existing.get(table)?.exists === true;
const declaredIndexes = (s: LoadState, t: CompiledTable): IndexSpec[] => (s.ds?.spec.indexes ?? []).filter((ix) => ix.table === t.name);

/** Runs one statement on an idle index connection; a refusal becomes a PS_PG_LOAD error saying `what`. */
const runOnPool = (s: LoadState, sql: string, what: string): Promise<void> =>
  s.pool.run(async (c) => {
    await c.query(sql).catch((e: unknown) => {
      throw sqlError(what, e);
    });
  });

/**
 * ANALYZE, keys and indexes of one table built in the staging schema, as
 * jobs on the index connections. ANALYZE goes first: it conflicts with
 * CREATE INDEX on the same table, and the indexes of one table build side by side.
 */
const afterLoad = async (s: LoadState, t: CompiledTable): Promise<void> => {
  await s.pool.run(async (c) => {
    await c.query(`ANALYZE ${ident(t.name)}`);
  });
  if (s.indexPause) {
    s.indexPause = false;
    await testPause('indexes', s.pauseEnds, s.log);
    throwIfStopped(s);
  }
  const [createKey, addKey] = t.idColumn === null ? [null, null] : primaryKeySql(t);
  const builds: Promise<void>[] = [];
  if (createKey !== null) builds.push(runOnPool(s, createKey, `building the primary key of ${t.name}`));
  for (const ix of declaredIndexes(s, t)) builds.push(runOnPool(s, createIndexSql(ix), `creating index ${ix.text}`));
  await Promise.all(builds);
  if (addKey !== null) await runOnPool(s, addKey, `adding the primary key of ${t.name}`);
};

/** What the swap does for a filled table after its rows are in: ANALYZE, the key when it has none, the declared indexes. */
const fillOf = (s: LoadState, t: CompiledTable): FillTable => ({
  schema: s.userSchema.get(t.name) ?? '',
  table: t.name,
  columns: t.columns.map((c) => c.name),
  after: [
    `ANALYZE ${ident(t.name)}`,
    ...(t.idColumn !== null && s.existing.get(t.name)?.hasPrimaryKey !== true ? primaryKeySql(t) : []),
    ...declaredIndexes(s, t).map((ix) => createIndexSql(ix, { ifNotExists: true })),
  ],
});

/** The swap, one transaction on an idle connection. */
const swapIn = async (s: LoadState, dataset: Dataset, last: string[]): Promise<void> => {
  const statements = swapStatements({
    staging: s.staging ?? '', searchPath: s.userPath, drop: s.replaced, target: s.target ?? '', last,
    move: dataset.tables.filter((t) => !isFill(s, t.name)).map((t) => t.name),
    fill: dataset.tables.filter((t) => isFill(s, t.name)).map((t) => fillOf(s, t)),
  });
  await s.pool.run(async (c) => {
    s.swap = 'running';
    await c.query('BEGIN');
    for (const sql of statements) {
      await c.query(sql).catch((e: unknown) => {
        throw sqlError(`swapping the new tables in (${sql})`, e);
      });
    }
    s.swap = 'committing';
    s.commit = c.query('COMMIT');
    await s.commit;
    s.swap = 'done';
  });
};

/** Binary COPY for tables created here whose every column type has a binary encoder. */
const binaryFor = (s: LoadState, t: CompiledTable): boolean => s.opts.binary !== false && t.binRow !== null && !isFill(s, t.name);

/**
 * Stops every session of this load (a running COPY or CREATE INDEX ends at
 * once, open transactions roll back), then drops the staging schema from a
 * fresh connection. The user's tables were never touched. Never throws.
 */
const cleanUp = async (s: LoadState): Promise<void> => {
  s.stopped.abort();
  if (s.swap === 'committing') await s.commit.catch(() => undefined);
  if (s.swap === 'done') return;
  const schema = s.staging;
  const pids = s.clients.map((c) => (c as pg.Client & { processID: number | null }).processID).filter((p): p is number => typeof p === 'number');
  let control: pg.Client | null = null;
  try {
    if (schema === null) return;
    control = await connect(s.opts.url, ABORT_WAIT_MS);
    await control.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
    await waitSessionsGone(control, pids);
    await control.query(`SET lock_timeout = '${ABORT_WAIT_MS}ms'`);
    await control.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`);
    s.log(`dropped the staging schema ${schema}; no table in ${s.where} was changed`);
  } catch (e) {
    s.log(`could not drop the staging schema ${schema ?? ''} (${errorMessage(e)}); no table in ${s.where} was changed, and the next \`prodshape generate --to\` against it drops that schema`);
  } finally {
    await Promise.allSettled([...s.clients, ...(control === null ? [] : [control])].map((c) => c.end()));
    s.clients.length = 0;
  }
};

/** Reads the user's search path, where new tables go, and the schema of each existing table; `replace` marks those to drop. */
const readUserSchemas = async (s: LoadState, first: pg.Client, names: string[]): Promise<void> => {
  const path = await first.query<{ path: string; target: string | null }>("SELECT current_setting('search_path') AS path, current_schema() AS target");
  s.userPath = path.rows[0]?.path === '""' ? '' : (path.rows[0]?.path ?? '');
  const target = path.rows[0]?.target ?? null;
  s.target = target;
  if (target === null) {
    throw new RunError('PS_PG_LOAD', `no schema of the search path (${s.userPath}) exists in ${s.where}, so there is nowhere to create tables`, {
      hint: 'create the schema, or set the role\'s search_path (ALTER ROLE … SET search_path = …)',
    });
  }
  for (const n of names.filter((x) => s.existing.get(x)?.exists)) {
    const r = await first.query<{ schema: string }>('SELECT n.nspname AS schema FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1)', [ident(n)]);
    s.userSchema.set(n, r.rows[0]?.schema ?? target);
  }
  if (s.opts.replace) {
    // Dropped in the swap; until then these are new tables built beside them.
    for (const n of names.filter((x) => s.existing.get(x)?.exists)) {
      s.replaced.push([s.userSchema.get(n) ?? target, n]);
      s.existing.set(n, { exists: false, hasRows: false, hasPrimaryKey: false });
    }
  }
};

/** Inspects the target, creates the staging schema and opens the index connections. */
const begin = async (s: LoadState, dataset: Dataset): Promise<void> => {
  s.ds = dataset;
  const first = await connectTracked(s);
  const names = dataset.tables.map((t) => t.name);
  for (const [n, e] of await inspectTables(first, names, s.opts.replace ?? false, s.where)) s.existing.set(n, e);
  await readUserSchemas(s, first, names);
  for (const line of await dropLeftoverSchemas(first)) s.log(`leftover staging schema: ${line}`);
  const staging = stagingSchemaName();
  s.staging = staging;
  await joinStaging(s, first, staging);
  await first.query(`CREATE SCHEMA ${ident(staging)}`).catch((e: unknown) => {
    throw new RunError('PS_PG_LOAD', `creating the staging schema ${staging}: ${errorMessage(e)}`, {
      hint: 'the load builds its tables in a schema of its own, then swaps them in: the role needs CREATE on the database (GRANT CREATE ON DATABASE … TO …)', cause: e,
    });
  });
  s.copyIdle.push(first);
  for (let k = 0; k < Math.max(1, s.opts.indexConnections ?? 1); k++) s.pool.add(await connectTracked(s));
};

/** The writer of one table's COPY: on end, commits and queues the table's keys and indexes. */
const copyWriter = (s: LoadState, t: CompiledTable, client: pg.Client, stream: ReturnType<typeof copyFrom>, binary: boolean): TableWriter => {
  let failure: unknown = null;
  stream.on('error', (e) => {
    failure = e;
  });
  const check = (): void => {
    if (failure !== null) throw sqlError(`loading ${t.name}`, failure);
  };
  const pauseHere = s.copyPause;
  s.copyPause = false;
  return {
    async write(chunk) {
      check();
      await writeWithBackpressure(stream, chunk).catch((e: unknown) => {
        throw sqlError(`loading ${t.name}`, e);
      });
      if (pauseHere) {
        await testPause('copy', s.pauseEnds, s.log);
        throwIfStopped(s);
      }
    },
    async end() {
      check();
      if (binary) stream.write(COPY_BINARY_TRAILER);
      stream.end();
      await finished(stream).catch((e: unknown) => {
        throw sqlError(`loading ${t.name}`, e);
      });
      await client.query('COMMIT');
      s.copyIdle.push(client);
      // A filled table's key, indexes and ANALYZE are built on the user's table, in the swap.
      if (isFill(s, t.name)) return;
      const job = afterLoad(s, t);
      // Keep the rejection observed now; finish() reports it.
      job.catch(() => undefined);
      s.pending.push(job);
    },
  };
};

const openTable = async (s: LoadState, t: CompiledTable): Promise<TableWriter> => {
  throwIfStopped(s);
  // Each table loading at the same time COPYs on its own connection, in its own transaction.
  const client = s.copyIdle.pop() ?? (await connectTracked(s));
  const fill = isFill(s, t.name);
  const cols = t.columns.map((c) => ident(c.name)).join(', ');
  await client.query('BEGIN');
  // Created in the staging schema (first on the search path) in the COPY's transaction, which allows
  // FREEZE: no later rewrite for hint bits. A table of the user's gets a bare copy of its columns' types.
  await client.query(fill ? `CREATE TABLE ${ident(t.name)} AS SELECT ${cols} FROM ${qualified(s.userSchema.get(t.name) ?? '', t.name)} WITH NO DATA` : createTableSql(t)).catch((e: unknown) => {
    throw sqlError(`creating table ${t.name}`, e);
  });
  const binary = binaryFor(s, t);
  const { from: copyFrom } = await import('pg-copy-streams');
  const stream = client.query(copyFrom(`COPY ${ident(t.name)} (${cols}) FROM STDIN WITH (FORMAT ${binary ? 'binary' : 'csv'}, FREEZE true)`));
  if (binary) stream.write(COPY_BINARY_HEADER);
  return copyWriter(s, t, client, stream, binary);
};

/** Keys and indexes, foreign keys, then the swap. */
const finish = async (s: LoadState, dataset: Dataset, step: (what: string) => void): Promise<void> => {
  throwIfStopped(s);
  // The COPY connections build indexes too, now.
  for (let c = s.copyIdle.pop(); c !== undefined; c = s.copyIdle.pop()) s.pool.add(c);
  step('building keys and indexes, then ANALYZE');
  await Promise.all(s.pending);
  // Foreign keys between tables built here are added here; those involving a table of the user's, in the swap.
  const fks = dataset.spec.foreignKeys ? foreignKeys(dataset) : [];
  const inSwap = fks.filter((f) => isFill(s, f.table) || isFill(s, f.references));
  if (fks.length > inSwap.length) step('adding foreign keys');
  for (const f of fks.filter((x) => !inSwap.includes(x))) await runOnPool(s, f.sql, 'adding a foreign key');
  await testPause('swap', s.pauseEnds, s.log);
  throwIfStopped(s);
  step('swapping the new tables in');
  await swapIn(s, dataset, inSwap.map((f) => f.sql));
  await Promise.all(s.clients.map((c) => c.end()));
  s.clients.length = 0;
};

/** A sink loading every table into the PostgreSQL at `opts.url`, atomically (see the file's comment). */
export const postgresSink = (opts: PostgresSinkOptions): Sink => {
  registerSecret(opts.url);
  const s = loadState(opts);
  return {
    formatFor: (t) => (binaryFor(s, t) ? 'pgbinary' : 'csv'),
    begin: (dataset) => begin(s, dataset),
    openTable: (t) => openTable(s, t),
    finish: (dataset, step) => finish(s, dataset, step),
    async abort() {
      s.aborting ??= cleanUp(s);
      await s.aborting;
    },
  };
};
