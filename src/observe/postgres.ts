/**
 * The PostgreSQL observer (`observe.postgres` or `--pg URL`). During a run it
 *  - polls pg_stat_activity each second            → pg-activity.ndjson
 *  - snapshots pg_stat_statements at the start, every few seconds, after each
 *    event and at the end, writing per-interval deltas → pg-statements.ndjson
 *  - EXPLAIN ANALYZEs the scenario's `plans:` per tenant-size bucket at the
 *    start, after each event and at the end, re-checks their fingerprints with a
 *    plain EXPLAIN every few seconds in between (a change is EXPLAIN ANALYZEd at
 *    once), and EXPLAIN ANALYZEs the run's slowest statements at the end → pg-plans.ndjson
 *  - tails the server log when `observe.postgres.log` is set → pg-log.ndjson
 * It uses two connections (`application_name = prodshape-observer`): one for
 * the polls, one for EXPLAINs, so a slow EXPLAIN never delays a poll. Nothing
 * here is fatal to the run: an unreachable server, a missing extension or a
 * failing statement is recorded and warned about once.
 */
import { stat } from 'node:fs/promises';
import type pg from 'pg';
import { errorMessage } from '../core/errors.js';
import { redact } from '../core/secrets.js';
import type { NdjsonWriter } from '../run/ndjson.js';
import { writeRecord } from './record-writers.js';
import type { EventRecord } from '../run/format.js';
import type { PlanQuery, TenantSource } from '../scenario/scenario.js';
import { aggregateActivity, failedActivity, pollActivity } from './activity.js';
import { explainTarget, isRefused, OBSERVER_APP, type ExplainOptions } from './explain.js';
import { OBSERVE_FILES, type PlanRecord, type StatementDelta, type StatementsRecord } from './files.js';
import type { MetaSink } from './meta.js';
import { loadTenants, planTargets, type PlanTarget, type TenantSize } from './params.js';
import { createLogParser, readNewBytes, type LogParser } from './pg-log.js';
import { targetsForStatement } from './slowest.js';
import {
  diffSnapshots, ENABLE_STATEMENTS_HINT, fetchTexts, isObserverStatement, sumDeltas, takeSnapshot, topStatements,
  type StatementsSnapshot,
} from './statements.js';
import { startTicker, type Ticker } from './ticker.js';
import type { Observer, RunContext } from '../engine/observer.js';
import { pinnedDbUrl } from '../engine/db-host.js';
import { round3 } from '../core/round.js';

export interface PostgresObserverOptions {
  /** Connection URL, `${ENV}` already expanded (a secret: never printed). */
  url: string;
  /** Server log to read, or null. */
  logFile: string | null;
  /** The log path as the scenario writes it (`${VARS}` unexpanded), for observe.json. */
  logLabel?: string | null;
  plans: PlanQuery[];
  tenantSource: TenantSource | null;
  meta: MetaSink;
  /** pg_stat_activity poll interval, ms (default 1000). */
  activityIntervalMs?: number;
  /** pg_stat_statements snapshot interval, ms (default 2000). */
  statementsIntervalMs?: number;
  /** Plan fingerprint re-check interval, ms (default 5000; 0 turns it off). */
  planCheckIntervalMs?: number;
  /** Slowest statements to EXPLAIN at the end, by total and by mean time each (default 5). */
  slowest?: number;
  /** statement_timeout of each EXPLAIN, ms (default 30 s). */
  explainTimeoutMs?: number;
}

/** Statements kept per pg-statements.ndjson line (most total time first). */
export const MAX_STATEMENTS_PER_LINE = 200;

const connect = async (url: string): Promise<pg.Client> => {
  const { default: pgLib } = await import('pg');
  const client = new pgLib.Client({ connectionString: url, application_name: OBSERVER_APP, connectionTimeoutMillis: 5000, statement_timeout: 10_000 });
  await client.connect();
  return client;
};

const planKey = (query: string, bucket: string): string => `${query}\u0000${bucket}`;

/** One run's observer state, shared by the steps below. */
interface PgObserverState {
  opts: PostgresObserverOptions;
  meta: MetaSink;
  ctx: RunContext | null;
  /** The polling connection. */
  monitor: pg.Client | null;
  /** The EXPLAIN connection. */
  explainer: pg.Client | null;
  /** server_version_num. */
  versionNum: number;
  /** Whether pg_stat_statements answers. */
  statementsOn: boolean;
  prevSnap: StatementsSnapshot | null;
  /** Statement texts by queryid (fetched once each). */
  texts: Map<string, string>;
  /** queryids of the observer's own statements. */
  ignore: Set<string>;
  /** Every delta of the run, for the slowest statements at the end. */
  runStatements: StatementDelta[];
  writers: Map<string, NdjsonWriter>;
  tickers: Ticker[];
  targets: PlanTarget[];
  tenants: TenantSize[] | null;
  /** Fingerprint of each plan target (planKey), as last EXPLAINed. */
  lastFingerprint: Map<string, string>;
  /** `plans:` entries the read-only guard refused: warned about once, never EXPLAINed again. */
  refusedPlans: Set<string>;
  explainChain: Promise<unknown>;
  /** Work on `monitor`, one query at a time (see onMonitor). */
  monitorChain: Promise<unknown>;
  logParser: LogParser | null;
  /** Bytes of the server log already read. */
  logOffset: number;
  stopped: boolean;
}

const observerState = (opts: PostgresObserverOptions): PgObserverState => ({
  opts, meta: opts.meta, ctx: null, monitor: null, explainer: null, versionNum: 0, statementsOn: false, prevSnap: null,
  texts: new Map(), ignore: new Set(), runStatements: [], writers: new Map(), tickers: [], targets: [], tenants: null,
  lastFingerprint: new Map(), refusedPlans: new Set(), explainChain: Promise.resolve(), monitorChain: Promise.resolve(), logParser: null, logOffset: 0, stopped: false,
});

// Records taken before time zero (at start, before the engine fixes it) carry t_s 0.
const nowS = (s: PgObserverState): number => (s.ctx === null ? 0 : Math.max(0, s.ctx.nowMs()) / 1000);

const write = (s: PgObserverState, file: string, rec: unknown): Promise<void> => writeRecord(s.writers, s.ctx?.runDir ?? null, file, rec);

/** Runs `work` once every earlier call on the same chain has settled: one query at a time on one connection. */
const chained = <T>(s: PgObserverState, chain: 'explainChain' | 'monitorChain', work: () => Promise<T>): Promise<T> => {
  const run = s[chain].then(work);
  s[chain] = run.catch(() => undefined);
  return run;
};

/** Serialises EXPLAIN work on its connection (BEGIN … ROLLBACK must not interleave). */
const onExplainer = <T>(s: PgObserverState, work: (c: pg.Client) => Promise<T>): Promise<T | null> => {
  const run = chained(s, 'explainChain', async () => (s.explainer === null ? null : work(s.explainer)));
  run.catch((e: unknown) => s.meta.warn(`EXPLAIN failed: ${errorMessage(e)}`));
  return run;
};

/**
 * Serialises the polling connection's work: the activity poll (every second) and the statements snapshot (every
 * 2 s) would otherwise overlap on one client, which node-postgres queues but deprecates (a warning on the user's
 * terminal). Null when the connection is closed.
 */
const onMonitor = <T>(s: PgObserverState, work: (c: pg.Client) => Promise<T>): Promise<T | null> =>
  chained(s, 'monitorChain', async () => (s.monitor === null ? null : work(s.monitor)));

const pollActivityOnce = async (s: PgObserverState): Promise<void> => {
  if (s.monitor === null) return;
  const t_s = round3(nowS(s));
  try {
    const rows = await onMonitor(s, pollActivity);
    if (rows === null) return;
    await write(s, OBSERVE_FILES.activity, aggregateActivity(t_s, rows));
  } catch (e) {
    s.meta.warn(`pg_stat_activity poll failed: ${errorMessage(e)} (recorded; the run goes on)`);
    await write(s, OBSERVE_FILES.activity, failedActivity(t_s, redact(errorMessage(e))));
  }
};

/** Fetches the texts of statements whose calls changed and that are not known yet; the observer's own are ignored. */
const learnTexts = async (s: PgObserverState, monitor: pg.Client, prev: StatementsSnapshot | null, snap: StatementsSnapshot): Promise<void> => {
  const changed = [...snap.counters.values()]
    .filter((c) => prev !== null && (prev.counters.get(c.key)?.calls ?? -1) !== c.calls)
    .map((c) => c.queryid)
    .filter((id) => !s.texts.has(id) && !s.ignore.has(id));
  for (const [id, text] of await fetchTexts(monitor, [...new Set(changed)], s.versionNum)) {
    if (isObserverStatement(text)) s.ignore.add(id);
    else s.texts.set(id, text);
  }
};

/** A snapshot's deltas from the previous one, warning when entries were evicted or the statistics reset. */
const statementsRecord = async (s: PgObserverState, monitor: pg.Client, t_s: number, label: string): Promise<StatementsRecord> => {
  const snap = await takeSnapshot(monitor, s.versionNum);
  const prev = s.prevSnap;
  await learnTexts(s, monitor, prev, snap);
  const deltas = prev === null ? [] : diffSnapshots(prev, snap, s.texts, s.ignore);
  const dealloc = prev?.dealloc != null && snap.dealloc !== null ? snap.dealloc - prev.dealloc : null;
  const reset = prev?.statsReset != null && snap.statsReset !== null && prev.statsReset !== snap.statsReset;
  if (dealloc !== null && dealloc > 0) {
    s.meta.warn(`pg_stat_statements evicted ${dealloc} entries during the run: raise pg_stat_statements.max, the deltas may miss statements`);
  }
  if (reset) s.meta.warn('pg_stat_statements was reset during the run: the deltas after it count from the reset');
  s.runStatements.push(...deltas);
  s.prevSnap = snap;
  return { t_s, label, ok: true, error: null, dealloc, reset, statements: deltas.slice(0, MAX_STATEMENTS_PER_LINE) };
};

const snapshotStatements = async (s: PgObserverState, label: string): Promise<void> => {
  if (s.monitor === null || !s.statementsOn) return;
  const t_s = round3(nowS(s));
  let rec: StatementsRecord;
  try {
    const got = await onMonitor(s, (m) => statementsRecord(s, m, t_s, label));
    if (got === null) return;
    rec = got;
  } catch (e) {
    s.meta.warn(`pg_stat_statements snapshot failed: ${errorMessage(e)}`);
    rec = { t_s, label, ok: false, error: redact(errorMessage(e)), dealloc: null, reset: false, statements: [] };
  }
  await write(s, OBSERVE_FILES.statements, rec);
};

// ANALYZE runs are best of 2: the first warms the cache, so plan timings compare like with like.
const explainOpts = (s: PgObserverState, analyze: boolean): ExplainOptions => ({ analyze, timeoutMs: s.opts.explainTimeoutMs ?? 30_000, best: 2 });

/** EXPLAIN ANALYZE every plan target; records every result and remembers fingerprints. */
const explainPlans = (s: PgObserverState, label: string): Promise<void | null> =>
  onExplainer(s, async (c) => {
    for (const t of s.targets) {
      if (s.refusedPlans.has(t.plan.name)) continue;
      const rec = await explainTarget(c, t, { t_s: nowS(s), label, source: 'plans' }, explainOpts(s, true));
      if (rec.fingerprint !== null) s.lastFingerprint.set(planKey(rec.query, rec.bucket), rec.fingerprint);
      if (isRefused(rec)) {
        s.refusedPlans.add(t.plan.name);
        const i = s.opts.plans.indexOf(t.plan);
        s.meta.warn(`plan ${t.plan.name}${i === -1 ? '' : ` (plans[${i}].sql)`} is not EXPLAINed: ${rec.error ?? 'refused'}`);
      }
      await write(s, OBSERVE_FILES.plans, rec);
    }
  });

/** Cheap re-check: plain EXPLAIN; a changed fingerprint is EXPLAIN ANALYZEd at once. */
const recheckPlans = (s: PgObserverState): Promise<void | null> =>
  onExplainer(s, async (c) => {
    for (const t of s.targets) {
      if (s.stopped) return;
      const key = planKey(t.plan.name, t.bucket);
      const known = s.lastFingerprint.get(key);
      if (known === undefined) continue;
      const quick = await explainTarget(c, t, { t_s: nowS(s), label: 'check', source: 'plans' }, explainOpts(s, false));
      // Every check is written (small: no plan JSON), so a change is placed between two checks.
      if (quick.fingerprint === null || quick.fingerprint === known) {
        await write(s, OBSERVE_FILES.plans, quick);
        continue;
      }
      const full = await explainTarget(c, t, { t_s: quick.t_s, label: 'check', source: 'plans' }, explainOpts(s, true));
      const rec: PlanRecord = full.ok ? full : quick;
      if (rec.fingerprint !== null) s.lastFingerprint.set(key, rec.fingerprint);
      await write(s, OBSERVE_FILES.plans, rec);
    }
  });

/** EXPLAIN ANALYZE the run's slowest statements (by total and by mean time). */
const explainSlowest = (s: PgObserverState): Promise<void | null> =>
  onExplainer(s, async (c) => {
    const n = s.opts.slowest ?? 5;
    // Utility statements (SET, BEGIN, LOCK, …) have no plan; DML is listed (and refused by the guard).
    const planned = (d: StatementDelta): boolean => /^\W*(select|with|values|table|insert|update|delete|merge)\b/i.test(d.query.replace(/\/\*[\s\S]*?\*\//g, ''));
    const top = topStatements(sumDeltas(s.runStatements).filter(planned), n);
    const chosen = [...new Map([...top.byTotal, ...top.byMean].map((d) => [d.queryid, d])).values()];
    for (const d of chosen) {
      for (const t of targetsForStatement(d, s.opts.plans, s.tenants)) {
        const rec = await explainTarget(c, t, { t_s: nowS(s), label: 'slowest', source: 'slowest', query: t.plan.name, queryid: d.queryid }, { ...explainOpts(s, true), best: 1 });
        await write(s, OBSERVE_FILES.plans, rec);
      }
    }
  });

const readLog = async (s: PgObserverState, final: boolean): Promise<void> => {
  const { logFile } = s.opts;
  if (logFile === null || s.logParser === null) return;
  try {
    const { text, offset } = await readNewBytes(logFile, s.logOffset);
    s.logOffset = offset;
    const recs = [...s.logParser.push(text, nowS(s)), ...(final ? s.logParser.flush(nowS(s)) : [])];
    for (const r of recs) await write(s, OBSERVE_FILES.log, r);
  } catch (e) {
    s.meta.warn(`cannot read the server log ${logFile}: ${errorMessage(e)}`);
  }
};

/** Reads the server's version and whether pg_stat_statements answers; records both in observe.json. */
const probeServer = async (s: PgObserverState, monitor: pg.Client): Promise<void> => {
  const info = await monitor.query<{ v: string; vn: string; mc: string }>(
    "SELECT current_setting('server_version') AS v, current_setting('server_version_num') AS vn, current_setting('max_connections') AS mc",
  );
  s.versionNum = Number(info.rows[0]?.vn ?? 0);
  try {
    await monitor.query('SELECT 1 FROM pg_stat_statements(false) LIMIT 1');
    s.statementsOn = true;
  } catch (e) {
    s.meta.warn(`pg_stat_statements is not available (${errorMessage(e)}): no statement deltas; ${ENABLE_STATEMENTS_HINT}`);
  }
  s.meta.meta.postgres = { server_version: info.rows[0]?.v ?? null, max_connections: Number(info.rows[0]?.mc ?? 0) || null, statements: s.statementsOn, log: s.opts.logLabel ?? s.opts.logFile };
};

/** The plan targets (one per plan and tenant-size bucket), warning of those that cannot be EXPLAINed. */
const loadPlanTargets = async (s: PgObserverState, c: RunContext): Promise<void> => {
  try {
    s.tenants = await loadTenants(c.manifest, s.opts.tenantSource);
  } catch (e) {
    s.meta.warn(`cannot read tenants for EXPLAIN parameters: ${errorMessage(e)}`);
  }
  const targets = s.opts.plans.flatMap((p) => planTargets(p, s.tenants));
  for (const t of targets) if (t.error !== null) s.meta.warn(`plan ${t.plan.name} (${t.bucket}) is not EXPLAINed: ${t.error}`);
  s.targets = targets.filter((t) => t.error === null);
};

/** Connects both connections and prepares what the run observes; false when the server cannot be reached. */
const setup = async (s: PgObserverState, c: RunContext): Promise<boolean> => {
  // The address the replay checked against the safety rule, so no second DNS lookup can move the connection.
  const url = pinnedDbUrl(s.opts.url, c.pins);
  if (url === null) {
    s.meta.warn('PostgreSQL observer off: its host did not resolve when the replay checked it against the safety rule');
    return false;
  }
  let monitor: pg.Client;
  try {
    monitor = await connect(url);
    s.monitor = monitor;
    s.explainer = await connect(url);
  } catch (e) {
    s.meta.warn(`cannot connect to PostgreSQL: ${errorMessage(e)}; the run goes on without the PostgreSQL observer`);
    return false;
  }
  for (const client of [s.monitor, s.explainer]) client.on('error', (e: Error) => s.meta.warn(`PostgreSQL connection error: ${e.message}`));
  await probeServer(s, monitor);
  await loadPlanTargets(s, c);
  const { logFile } = s.opts;
  if (logFile !== null) {
    try {
      s.logOffset = (await stat(logFile)).size;
      s.logParser = createLogParser(() => c.startedAtMs);
    } catch (e) {
      s.meta.warn(`cannot read the server log ${logFile}: ${errorMessage(e)}`);
    }
  }
  return true;
};

/** The first poll, snapshot and EXPLAINs, then a ticker for each periodic job. */
const startObserving = async (s: PgObserverState, c: RunContext): Promise<void> => {
  await Promise.all([pollActivityOnce(s), snapshotStatements(s, 'start'), explainPlans(s, 'start')]);
  s.tickers.push(startTicker(s.opts.activityIntervalMs ?? 1000, c.nowMs, () => pollActivityOnce(s), c.signal));
  if (s.statementsOn) s.tickers.push(startTicker(s.opts.statementsIntervalMs ?? 2000, c.nowMs, () => snapshotStatements(s, 'tick'), c.signal));
  const checkMs = s.opts.planCheckIntervalMs ?? 5000;
  if (checkMs > 0 && s.targets.length > 0) s.tickers.push(startTicker(checkMs, c.nowMs, async () => void (await recheckPlans(s)), c.signal));
  if (s.logParser !== null) s.tickers.push(startTicker(1000, c.nowMs, () => readLog(s, false), c.signal));
};

/** Stops the tickers, takes the last snapshot and EXPLAINs, reads the log's tail, closes files and connections. */
const stopObserving = async (s: PgObserverState): Promise<void> => {
  s.stopped = true;
  await Promise.all(s.tickers.map((t) => t.stop()));
  await s.explainChain;
  if (s.monitor !== null) {
    s.stopped = false;
    await snapshotStatements(s, 'end');
    await explainPlans(s, 'end');
    await explainSlowest(s);
    s.stopped = true;
    await readLog(s, true);
  }
  await s.monitorChain;
  for (const w of s.writers.values()) await w.close();
  s.writers.clear();
  for (const client of [s.monitor, s.explainer]) {
    if (client === null) continue;
    try {
      await client.end();
    } catch (e) {
      s.meta.warn(`closing a PostgreSQL connection: ${errorMessage(e)}`);
    }
  }
  s.monitor = null;
  s.explainer = null;
  await s.meta.flush();
};

export const createPostgresObserver = (opts: PostgresObserverOptions): Observer => {
  const s = observerState(opts);
  return {
    name: 'postgres',
    async start(c) {
      s.ctx = c;
      s.meta.bind(c);
      if (await setup(s, c)) await startObserving(s, c);
      await s.meta.flush();
    },
    async onEvent(event: EventRecord) {
      if (s.monitor === null || s.stopped) return;
      const label = `event:${event.action}`;
      await Promise.all([snapshotStatements(s, label), explainPlans(s, label)]);
    },
    stop: () => stopObserving(s),
  };
};
