/**
 * The MySQL/MariaDB observer (`observe.mysql`). During a run it
 *  - polls `information_schema.PROCESSLIST` each second  → pg-activity.ndjson
 *  - snapshots `performance_schema.events_statements_summary_by_digest` at
 *    the start, every few seconds, after each event and at the end, writing
 *    per-interval deltas                                → pg-statements.ndjson
 *  - EXPLAINs the scenario's `plans:` per tenant-size bucket at the start and
 *    at the end, read-only by the server (mysql-plans.ts) → pg-plans.ndjson
 * in the PostgreSQL observer's record forms and files (mysql-stats.ts maps
 * the rows), so the report's database section and the diagnosis read them
 * unchanged. Plain EXPLAIN only: nothing is ANALYZEd (executed). It uses two
 * connections: one for the polls, one read-only session for the EXPLAINs,
 * both to the address the replay checked against the safety rule (`pins`).
 * Nothing here is fatal to the run: an unreachable server, performance_schema
 * off or a failing statement is recorded and warned about once.
 */
import type mysql from 'mysql2/promise';
import { errorMessage } from '../core/errors.js';
import { round3 } from '../core/round.js';
import { redact } from '../core/secrets.js';
import { connectMysql } from '../data/sinks/mysql-conn.js';
import type { NdjsonWriter } from '../run/ndjson.js';
import { writeRecord } from './record-writers.js';
import type { PlanQuery, TenantSource } from '../scenario/scenario.js';
import type { Observer, RunContext } from '../engine/observer.js';
import { aggregateActivity, failedActivity } from './activity.js';
import { OBSERVE_FILES, type StatementsRecord } from './files.js';
import type { MetaSink } from './meta.js';
import { explainMysqlTarget, readOnlySession, type ReadOnlyVariable } from './mysql-plans.js';
import { digestSnapshot, ENABLE_DIGESTS_HINT, isObserverDigest, pinnedMysqlHost, pollDigests, pollProcesslist } from './mysql-stats.js';
import { loadTenants, planTargets, type PlanTarget } from './params.js';
import { MAX_STATEMENTS_PER_LINE } from './postgres.js';
import { diffSnapshots, type StatementsSnapshot } from './statements.js';
import { startTicker, type Ticker } from './ticker.js';

export interface MysqlObserverOptions {
  /** Connection URL, `${ENV}` already expanded (a secret: never printed). */
  url: string;
  plans: PlanQuery[];
  tenantSource: TenantSource | null;
  meta: MetaSink;
  /** Processlist poll interval, ms (default 1000). */
  activityIntervalMs?: number;
  /** Digest summary snapshot interval, ms (default 2000). */
  statementsIntervalMs?: number;
  /** Statement timeout of each EXPLAIN, ms (default 30 s). */
  explainTimeoutMs?: number;
}

interface MysqlObserverState {
  opts: MysqlObserverOptions;
  meta: MetaSink;
  ctx: RunContext | null;
  monitor: mysql.Connection | null;
  explainer: mysql.Connection | null;
  /** Connection ids of both connections (left out of the processlist). */
  ownIds: number[];
  roVariable: ReadOnlyVariable;
  statementsOn: boolean;
  prevSnap: StatementsSnapshot | null;
  /** Digests of the observer's own statements. */
  ignore: Set<string>;
  writers: Map<string, NdjsonWriter>;
  tickers: Ticker[];
  targets: PlanTarget[];
  /** Serialises the polls on the monitor connection (one query at a time). */
  chain: Promise<unknown>;
}

const nowS = (s: MysqlObserverState): number => round3(s.ctx === null ? 0 : Math.max(0, s.ctx.nowMs()) / 1000);

const write = (s: MysqlObserverState, file: string, rec: unknown): Promise<void> => writeRecord(s.writers, s.ctx?.runDir ?? null, file, rec);

/** Runs `work` on the monitor connection after the poll before it. */
const onMonitor = (s: MysqlObserverState, work: (c: mysql.Connection) => Promise<void>): Promise<void> => {
  const run = s.chain.then(() => (s.monitor === null ? undefined : work(s.monitor)));
  s.chain = run.catch(() => undefined);
  return run;
};

const pollActivityOnce = (s: MysqlObserverState): Promise<void> =>
  onMonitor(s, async (c) => {
    const t_s = nowS(s);
    try {
      await write(s, OBSERVE_FILES.activity, aggregateActivity(t_s, await pollProcesslist(c, s.ownIds)));
    } catch (e) {
      s.meta.warn(`processlist poll failed: ${errorMessage(e)} (recorded; the run goes on)`);
      await write(s, OBSERVE_FILES.activity, failedActivity(t_s, redact(errorMessage(e))));
    }
  });

/** The deltas since the previous snapshot (the first is the baseline and lists none). */
const statementsRecord = async (s: MysqlObserverState, c: mysql.Connection, t_s: number, label: string): Promise<StatementsRecord> => {
  const { snap, texts } = digestSnapshot(await pollDigests(c));
  for (const [digest, text] of texts) if (isObserverDigest(text)) s.ignore.add(digest);
  const prev = s.prevSnap;
  // Calls that went down mean the summary was truncated in between: the deltas then count from zero.
  const reset = prev !== null && [...snap.counters.values()].some((x) => (prev.counters.get(x.key)?.calls ?? 0) > x.calls);
  if (reset) s.meta.warn('the statement digest summary was truncated during the run: the deltas after it count from the truncation');
  const deltas = prev === null ? [] : diffSnapshots(prev, snap, texts, s.ignore);
  s.prevSnap = snap;
  return { t_s, label, ok: true, error: null, dealloc: null, reset, statements: deltas.slice(0, MAX_STATEMENTS_PER_LINE) };
};

const snapshotStatements = (s: MysqlObserverState, label: string): Promise<void> =>
  onMonitor(s, async (c) => {
    if (!s.statementsOn) return;
    const t_s = nowS(s);
    let rec: StatementsRecord;
    try {
      rec = await statementsRecord(s, c, t_s, label);
    } catch (e) {
      s.meta.warn(`statement digest snapshot failed: ${errorMessage(e)}`);
      rec = { t_s, label, ok: false, error: redact(errorMessage(e)), dealloc: null, reset: false, statements: [] };
    }
    await write(s, OBSERVE_FILES.statements, rec);
  });

/** EXPLAIN (plain, read-only) of every plan target. */
const explainPlans = async (s: MysqlObserverState, label: string): Promise<void> => {
  if (s.explainer === null) return;
  for (const t of s.targets) {
    const rec = await explainMysqlTarget(s.explainer, t, { t_s: nowS(s), label, source: 'plans' }, s.roVariable);
    if (!rec.ok) s.meta.warn(`plan ${t.plan.name} (${t.bucket}) is not EXPLAINed: ${rec.error ?? 'failed'}`);
    await write(s, OBSERVE_FILES.plans, rec);
  }
};

/** Version, performance_schema, the connections' ids and the plan targets; observe.json says what was found. */
const probe = async (s: MysqlObserverState, c: RunContext, monitor: mysql.Connection, explainer: mysql.Connection): Promise<void> => {
  const session = await readOnlySession(explainer, s.opts.explainTimeoutMs ?? 30_000);
  s.roVariable = session.roVariable;
  for (const conn of [monitor, explainer]) {
    const [r] = await conn.query('SELECT CONNECTION_ID() AS id');
    s.ownIds.push(Number((r as { id: unknown }[])[0]?.id));
  }
  try {
    const [r] = await monitor.query('SELECT @@performance_schema AS on_');
    if (Number((r as { on_: unknown }[])[0]?.on_) !== 1) throw new Error('performance_schema is OFF');
    await pollDigests(monitor);
    s.statementsOn = true;
  } catch (e) {
    s.meta.warn(`statement digests are not available (${errorMessage(e)}): no statement deltas; ${ENABLE_DIGESTS_HINT}`);
  }
  s.meta.meta.mysql = { server_version: session.server, statements: s.statementsOn };
  let tenants = null;
  try {
    tenants = await loadTenants(c.manifest, s.opts.tenantSource);
  } catch (e) {
    s.meta.warn(`cannot read tenants for EXPLAIN parameters: ${errorMessage(e)}`);
  }
  const targets = s.opts.plans.flatMap((p) => planTargets(p, tenants));
  for (const t of targets) if (t.error !== null) s.meta.warn(`plan ${t.plan.name} (${t.bucket}) is not EXPLAINed: ${t.error}`);
  s.targets = targets.filter((t) => t.error === null);
};

const setup = async (s: MysqlObserverState, c: RunContext): Promise<boolean> => {
  const host = pinnedMysqlHost(s.opts.url, c.pins);
  if (host === null) {
    s.meta.warn('MySQL/MariaDB observer off: its host did not resolve when the replay checked it against the safety rule');
    return false;
  }
  const extra = host === undefined ? {} : { host };
  try {
    s.monitor = await connectMysql(s.opts.url, 'PS_DB_UNREACHABLE', extra);
    s.explainer = await connectMysql(s.opts.url, 'PS_DB_UNREACHABLE', extra);
    await probe(s, c, s.monitor, s.explainer);
    return true;
  } catch (e) {
    s.meta.warn(`MySQL/MariaDB observer off: ${errorMessage(e)}; the run goes on without it`);
    await closeAll(s);
    return false;
  }
};

const closeAll = async (s: MysqlObserverState): Promise<void> => {
  for (const conn of [s.monitor, s.explainer]) {
    if (conn === null) continue;
    await conn.end().catch((e: unknown) => s.meta.warn(`closing a MySQL connection: ${errorMessage(e)}`));
  }
  s.monitor = null;
  s.explainer = null;
};

export const createMysqlObserver = (opts: MysqlObserverOptions): Observer => {
  const s: MysqlObserverState = {
    opts, meta: opts.meta, ctx: null, monitor: null, explainer: null, ownIds: [], roVariable: 'tx_read_only', statementsOn: false,
    prevSnap: null, ignore: new Set(), writers: new Map(), tickers: [], targets: [], chain: Promise.resolve(),
  };
  return {
    name: 'mysql',
    async start(c) {
      s.ctx = c;
      s.meta.bind(c);
      if (await setup(s, c)) {
        await Promise.all([pollActivityOnce(s), snapshotStatements(s, 'start'), explainPlans(s, 'start')]);
        s.tickers.push(startTicker(opts.activityIntervalMs ?? 1000, c.nowMs, () => pollActivityOnce(s), c.signal));
        if (s.statementsOn) s.tickers.push(startTicker(opts.statementsIntervalMs ?? 2000, c.nowMs, () => snapshotStatements(s, 'tick'), c.signal));
      }
      await s.meta.flush();
    },
    async onEvent(event) {
      await snapshotStatements(s, `event:${event.action}`);
    },
    async stop() {
      await Promise.all(s.tickers.map((t) => t.stop()));
      await s.chain;
      await snapshotStatements(s, 'end');
      await explainPlans(s, 'end');
      for (const w of s.writers.values()) await w.close();
      s.writers.clear();
      await closeAll(s);
      await s.meta.flush();
    },
  };
};
