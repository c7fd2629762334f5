/**
 * The MySQL/MariaDB observer (`observe.mysql`). During a run it
 *  - polls `information_schema.PROCESSLIST` each second  → pg-activity.ndjson
 *  - snapshots `performance_schema.events_statements_summary_by_digest` at
 *    the start, every few seconds, after each event and at the end, writing
 *    per-interval deltas                                → pg-statements.ndjson
 *  - EXPLAINs and ANALYZEs the scenario's `plans:` per tenant-size bucket at
 *    the start, after each event and at the end, and re-checks their
 *    fingerprints with a plain EXPLAIN every few seconds in between (a change
 *    is ANALYZEd at once), read-only by the server (mysql-plans.ts,
 *    mysql-analyze.ts)                                  → pg-plans.ndjson
 *  - reads `mysql.slow_log` when the slow query log writes to a table
 *    (mysql-slow-log.ts)                                 → pg-log.ndjson
 * in the PostgreSQL observer's record forms and files (mysql-stats.ts maps
 * the rows), so the report's database section, the diagnosis and the
 * `plan-regression` breaks read them unchanged. It uses two
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
import { OBSERVE_FILES, type PlanRecord, type SlowLogMeta, type StatementsRecord } from './files.js';
import type { MetaSink } from './meta.js';
import { explainMysqlTarget, NOT_ANALYZED, readOnlySession, type MysqlSession } from './mysql-plans.js';
import { isRefused } from './explain.js';
import { digestSnapshot, ENABLE_DIGESTS_HINT, isObserverDigest, pinnedMysqlHost, pollDigests, pollProcesslist } from './mysql-stats.js';
import { loadTenants, planTargets, type PlanTarget } from './params.js';
import { MAX_STATEMENTS_PER_LINE } from './postgres.js';
import { diffSnapshots, type StatementsSnapshot } from './statements.js';
import { startTicker, type Ticker } from './ticker.js';
import { readSlowLog, slowLogRecord, slowLogSettings } from './mysql-slow-log.js';

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
  /** Plan fingerprint re-check interval, ms (default 5000; 0 turns it off). */
  planCheckIntervalMs?: number;
}

interface MysqlObserverState {
  opts: MysqlObserverOptions;
  meta: MetaSink;
  ctx: RunContext | null;
  monitor: mysql.Connection | null;
  explainer: mysql.Connection | null;
  /** Connection ids of both connections (left out of the processlist). */
  ownIds: number[];
  session: MysqlSession | null;
  statementsOn: boolean;
  prevSnap: StatementsSnapshot | null;
  /** Digests of the observer's own statements. */
  ignore: Set<string>;
  writers: Map<string, NdjsonWriter>;
  tickers: Ticker[];
  targets: PlanTarget[];
  /** Serialises the polls on the monitor connection (one query at a time). */
  chain: Promise<unknown>;
  /** Serialises the EXPLAINs on their connection (START TRANSACTION … ROLLBACK must not interleave). */
  explainChain: Promise<unknown>;
  /** Fingerprint of each plan target (`query\0bucket`), as last EXPLAINed. */
  lastFingerprint: Map<string, string>;
  /** Plans refused outright (warned once, never EXPLAINed again), and plans only EXPLAINed (ANALYZE refused, warned once). */
  refusedPlans: Set<string>;
  plainOnly: Set<string>;
  /** The slow query log's settings (null before the probe). */
  slowLog: SlowLogMeta | null;
  stopped: boolean;
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

/** Runs EXPLAIN work on the explainer connection after the work before it. */
const onExplainer = (s: MysqlObserverState, work: (c: mysql.Connection, session: MysqlSession) => Promise<void>): Promise<void> => {
  const run = s.explainChain.then(() => (s.explainer === null || s.session === null ? undefined : work(s.explainer, s.session)));
  s.explainChain = run.catch((e: unknown) => s.meta.warn(`EXPLAIN failed: ${errorMessage(e)}`));
  return run.catch(() => undefined);
};

const planKey = (query: string, bucket: string): string => `${query}\u0000${bucket}`;

/** EXPLAIN and ANALYZE (best of 2: the first warms the buffer pool) one target; a plan whose ANALYZE is refused is EXPLAINed only, from then on. */
const explainOne = async (s: MysqlObserverState, c: mysql.Connection, session: MysqlSession, t: PlanTarget, label: string, analyze: boolean): Promise<PlanRecord> => {
  const when = { t_s: nowS(s), label, source: 'plans' as const };
  const full = analyze && !s.plainOnly.has(t.plan.name);
  let rec = await explainMysqlTarget(c, t, when, session, { analyze: full, best: 2 });
  if (full && isRefused(rec) && rec.error?.includes(NOT_ANALYZED) === true) {
    s.plainOnly.add(t.plan.name);
    s.meta.warn(`plan ${t.plan.name} is EXPLAINed but not ANALYZEd: ${rec.error}`);
    rec = await explainMysqlTarget(c, t, when, session, { analyze: false });
  }
  if (isRefused(rec)) {
    s.refusedPlans.add(t.plan.name);
    s.meta.warn(`plan ${t.plan.name} is not EXPLAINed: ${rec.error ?? 'refused'}`);
  } else if (!rec.ok) s.meta.warn(`plan ${t.plan.name} (${t.bucket}) is not EXPLAINed: ${rec.error ?? 'failed'}`);
  if (rec.fingerprint !== null) s.lastFingerprint.set(planKey(rec.query, rec.bucket), rec.fingerprint);
  return rec;
};

/** EXPLAIN and ANALYZE (read-only) every plan target. */
const explainPlans = (s: MysqlObserverState, label: string): Promise<void> =>
  onExplainer(s, async (c, session) => {
    for (const t of s.targets) {
      if (s.refusedPlans.has(t.plan.name)) continue;
      await write(s, OBSERVE_FILES.plans, await explainOne(s, c, session, t, label, true));
    }
  });

/** Cheap re-check: plain EXPLAIN of every target; a changed fingerprint is ANALYZEd at once. Every check is written, so a change is placed between two checks. */
const recheckPlans = (s: MysqlObserverState): Promise<void> =>
  onExplainer(s, async (c, session) => {
    for (const t of s.targets) {
      if (s.stopped) return;
      const known = s.lastFingerprint.get(planKey(t.plan.name, t.bucket));
      if (known === undefined || s.refusedPlans.has(t.plan.name)) continue;
      const quick = await explainMysqlTarget(c, t, { t_s: nowS(s), label: 'check', source: 'plans' }, session);
      const changed = quick.fingerprint !== null && quick.fingerprint !== known;
      await write(s, OBSERVE_FILES.plans, changed ? await explainOne(s, c, session, t, 'check', true) : quick);
    }
  });

/** The slow-log entries of the run's window (time zero to now, 1 s of slack), once at the end; observe.json says how many, or why none. */
const readSlowLogOnce = (s: MysqlObserverState): Promise<void> =>
  onMonitor(s, async (c) => {
    const log = s.slowLog;
    if (log === null || log.reason !== null || s.ctx === null) return;
    const fromMs = s.ctx.startedAtMs;
    try {
      const rows = await readSlowLog(c, fromMs, fromMs + Math.max(0, s.ctx.nowMs()) + 1000, s.ownIds);
      for (const r of rows) await write(s, OBSERVE_FILES.log, slowLogRecord(r, fromMs));
      log.read = true;
      log.entries = rows.length;
    } catch (e) {
      log.reason = redact(`cannot read mysql.slow_log: ${errorMessage(e)}`);
      s.meta.warn(`the slow query log is not read: ${log.reason}`);
    }
  });

/** Version, performance_schema, the connections' ids and the plan targets; observe.json says what was found. */
const probe = async (s: MysqlObserverState, c: RunContext, monitor: mysql.Connection, explainer: mysql.Connection): Promise<void> => {
  const session = await readOnlySession(explainer, s.opts.explainTimeoutMs ?? 30_000);
  s.session = session;
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
  try {
    s.slowLog = await slowLogSettings(monitor);
  } catch (e) {
    s.slowLog = { read: false, enabled: false, output: '', long_query_time_ms: null, reason: `cannot read the slow query log's settings: ${errorMessage(e)}`, entries: null };
  }
  s.meta.meta.mysql = { server_version: session.server, statements: s.statementsOn, slow_log: s.slowLog };
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
    opts, meta: opts.meta, ctx: null, monitor: null, explainer: null, ownIds: [], session: null, statementsOn: false,
    prevSnap: null, ignore: new Set(), writers: new Map(), tickers: [], targets: [], chain: Promise.resolve(),
    explainChain: Promise.resolve(), lastFingerprint: new Map(), refusedPlans: new Set(), plainOnly: new Set(), slowLog: null, stopped: false,
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
        const checkMs = opts.planCheckIntervalMs ?? 5000;
        if (checkMs > 0 && s.targets.length > 0) s.tickers.push(startTicker(checkMs, c.nowMs, () => recheckPlans(s), c.signal));
      }
      await s.meta.flush();
    },
    async onEvent(event) {
      if (s.stopped) return;
      const label = `event:${event.action}`;
      await Promise.all([snapshotStatements(s, label), explainPlans(s, label)]);
    },
    async stop() {
      s.stopped = true;
      await Promise.all(s.tickers.map((t) => t.stop()));
      await Promise.all([s.chain, s.explainChain]);
      s.stopped = false;
      await snapshotStatements(s, 'end');
      await explainPlans(s, 'end');
      s.stopped = true;
      await readSlowLogOnce(s);
      for (const w of s.writers.values()) await w.close();
      s.writers.clear();
      await closeAll(s);
      await s.meta.flush();
    },
  };
};
