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
import { join } from 'node:path';
import pg from 'pg';
import { errorMessage } from '../core/errors.js';
import { redact, redactDeep } from '../core/secrets.js';
import { createNdjsonWriter, type NdjsonWriter } from '../run/ndjson.js';
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
  const client = new pg.Client({ connectionString: url, application_name: OBSERVER_APP, connectionTimeoutMillis: 5000, statement_timeout: 10_000 });
  await client.connect();
  return client;
};

const planKey = (query: string, bucket: string): string => `${query}\u0000${bucket}`;

export const createPostgresObserver = (opts: PostgresObserverOptions): Observer => {
  const { meta } = opts;
  let ctx: RunContext | null = null;
  let monitor: pg.Client | null = null;
  let explainer: pg.Client | null = null;
  let versionNum = 0;
  let statementsOn = false;
  let prevSnap: StatementsSnapshot | null = null;
  const texts = new Map<string, string>();
  const ignore = new Set<string>();
  const runStatements: StatementDelta[] = [];
  const writers = new Map<string, NdjsonWriter>();
  const tickers: Ticker[] = [];
  let targets: PlanTarget[] = [];
  let tenants: TenantSize[] | null = null;
  const lastFingerprint = new Map<string, string>();
  /** `plans:` entries the read-only guard refused: warned about once, never EXPLAINed again. */
  const refusedPlans = new Set<string>();
  let explainChain: Promise<unknown> = Promise.resolve();
  let logParser: LogParser | null = null;
  let logOffset = 0;
  let stopped = false;

  // Records taken before time zero (at start, before the engine fixes it) carry t_s 0.
  const nowS = (): number => (ctx === null ? 0 : Math.max(0, ctx.nowMs()) / 1000);
  const write = async (file: string, rec: unknown): Promise<void> => {
    if (ctx === null) return;
    let w = writers.get(file);
    if (w === undefined) {
      w = createNdjsonWriter(join(ctx.runDir, file));
      writers.set(file, w);
    }
    await w.write(redactDeep(rec));
  };
  /** Serialises EXPLAIN work on its connection (BEGIN … ROLLBACK must not interleave). */
  const onExplainer = <T>(work: (c: pg.Client) => Promise<T>): Promise<T | null> => {
    const run = explainChain.then(async () => (explainer === null ? null : work(explainer)));
    explainChain = run.catch((e: unknown) => meta.warn(`EXPLAIN failed: ${errorMessage(e)}`));
    return run;
  };

  const pollActivityOnce = async (): Promise<void> => {
    if (monitor === null) return;
    const t_s = Math.round(nowS() * 1000) / 1000;
    try {
      await write(OBSERVE_FILES.activity, aggregateActivity(t_s, await pollActivity(monitor)));
    } catch (e) {
      meta.warn(`pg_stat_activity poll failed: ${errorMessage(e)} (recorded; the run goes on)`);
      await write(OBSERVE_FILES.activity, failedActivity(t_s, redact(errorMessage(e))));
    }
  };

  const snapshotStatements = async (label: string): Promise<void> => {
    if (monitor === null || !statementsOn) return;
    const t_s = Math.round(nowS() * 1000) / 1000;
    let rec: StatementsRecord;
    try {
      const snap = await takeSnapshot(monitor, versionNum);
      const prev = prevSnap;
      const changed = [...snap.counters.values()]
        .filter((c) => prev !== null && (prev.counters.get(c.key)?.calls ?? -1) !== c.calls)
        .map((c) => c.queryid)
        .filter((id) => !texts.has(id) && !ignore.has(id));
      for (const [id, text] of await fetchTexts(monitor, [...new Set(changed)], versionNum)) {
        if (isObserverStatement(text)) ignore.add(id);
        else texts.set(id, text);
      }
      const deltas = prev === null ? [] : diffSnapshots(prev, snap, texts, ignore);
      const dealloc = prev?.dealloc != null && snap.dealloc !== null ? snap.dealloc - prev.dealloc : null;
      const reset = prev?.statsReset != null && snap.statsReset !== null && prev.statsReset !== snap.statsReset;
      if (dealloc !== null && dealloc > 0) {
        meta.warn(`pg_stat_statements evicted ${dealloc} entries during the run: raise pg_stat_statements.max, the deltas may miss statements`);
      }
      if (reset) meta.warn('pg_stat_statements was reset during the run: the deltas after it count from the reset');
      runStatements.push(...deltas);
      rec = { t_s, label, ok: true, error: null, dealloc, reset, statements: deltas.slice(0, MAX_STATEMENTS_PER_LINE) };
      prevSnap = snap;
    } catch (e) {
      meta.warn(`pg_stat_statements snapshot failed: ${errorMessage(e)}`);
      rec = { t_s, label, ok: false, error: redact(errorMessage(e)), dealloc: null, reset: false, statements: [] };
    }
    await write(OBSERVE_FILES.statements, rec);
  };

  // ANALYZE runs are best of 2: the first warms the cache, so plan timings compare like with like.
  const explainOpts = (analyze: boolean): ExplainOptions => ({ analyze, timeoutMs: opts.explainTimeoutMs ?? 30_000, best: 2 });

  /** EXPLAIN ANALYZE every plan target; records every result and remembers fingerprints. */
  const explainPlans = (label: string): Promise<void | null> =>
    onExplainer(async (c) => {
      for (const t of targets) {
        if (refusedPlans.has(t.plan.name)) continue;
        const rec = await explainTarget(c, t, { t_s: nowS(), label, source: 'plans' }, explainOpts(true));
        if (rec.fingerprint !== null) lastFingerprint.set(planKey(rec.query, rec.bucket), rec.fingerprint);
        if (isRefused(rec)) {
          refusedPlans.add(t.plan.name);
          const i = opts.plans.indexOf(t.plan);
          meta.warn(`plan ${t.plan.name}${i === -1 ? '' : ` (plans[${i}].sql)`} is not EXPLAINed: ${rec.error ?? 'refused'}`);
        }
        await write(OBSERVE_FILES.plans, rec);
      }
    });

  /** Cheap re-check: plain EXPLAIN; a changed fingerprint is EXPLAIN ANALYZEd at once. */
  const recheckPlans = (): Promise<void | null> =>
    onExplainer(async (c) => {
      for (const t of targets) {
        if (stopped) return;
        const key = planKey(t.plan.name, t.bucket);
        const known = lastFingerprint.get(key);
        if (known === undefined) continue;
        const quick = await explainTarget(c, t, { t_s: nowS(), label: 'check', source: 'plans' }, explainOpts(false));
        // Every check is written (small: no plan JSON), so a change is placed between two checks.
        if (quick.fingerprint === null || quick.fingerprint === known) {
          await write(OBSERVE_FILES.plans, quick);
          continue;
        }
        const full = await explainTarget(c, t, { t_s: quick.t_s, label: 'check', source: 'plans' }, explainOpts(true));
        const rec: PlanRecord = full.ok ? full : quick;
        if (rec.fingerprint !== null) lastFingerprint.set(key, rec.fingerprint);
        await write(OBSERVE_FILES.plans, rec);
      }
    });

  /** EXPLAIN ANALYZE the run's slowest statements (by total and by mean time). */
  const explainSlowest = (): Promise<void | null> =>
    onExplainer(async (c) => {
      const n = opts.slowest ?? 5;
      // Utility statements (SET, BEGIN, LOCK, …) have no plan; DML is listed (and refused by the guard).
      const planned = (d: StatementDelta): boolean => /^\W*(select|with|values|table|insert|update|delete|merge)\b/i.test(d.query.replace(/\/\*[\s\S]*?\*\//g, ''));
      const top = topStatements(sumDeltas(runStatements).filter(planned), n);
      const chosen = [...new Map([...top.byTotal, ...top.byMean].map((d) => [d.queryid, d])).values()];
      for (const d of chosen) {
        for (const t of targetsForStatement(d, opts.plans, tenants)) {
          const rec = await explainTarget(c, t, { t_s: nowS(), label: 'slowest', source: 'slowest', query: t.plan.name, queryid: d.queryid }, { ...explainOpts(true), best: 1 });
          await write(OBSERVE_FILES.plans, rec);
        }
      }
    });

  const readLog = async (final: boolean): Promise<void> => {
    if (opts.logFile === null || logParser === null) return;
    try {
      const { text, offset } = await readNewBytes(opts.logFile, logOffset);
      logOffset = offset;
      const recs = [...logParser.push(text, nowS()), ...(final ? logParser.flush(nowS()) : [])];
      for (const r of recs) await write(OBSERVE_FILES.log, r);
    } catch (e) {
      meta.warn(`cannot read the server log ${opts.logFile}: ${errorMessage(e)}`);
    }
  };

  const setup = async (c: RunContext): Promise<boolean> => {
    try {
      monitor = await connect(opts.url);
      explainer = await connect(opts.url);
    } catch (e) {
      meta.warn(`cannot connect to PostgreSQL: ${errorMessage(e)}; the run goes on without the PostgreSQL observer`);
      return false;
    }
    for (const client of [monitor, explainer]) client.on('error', (e: Error) => meta.warn(`PostgreSQL connection error: ${e.message}`));
    const info = await monitor.query<{ v: string; vn: string; mc: string }>(
      "SELECT current_setting('server_version') AS v, current_setting('server_version_num') AS vn, current_setting('max_connections') AS mc",
    );
    versionNum = Number(info.rows[0]?.vn ?? 0);
    try {
      await monitor.query('SELECT 1 FROM pg_stat_statements(false) LIMIT 1');
      statementsOn = true;
    } catch (e) {
      meta.warn(`pg_stat_statements is not available (${errorMessage(e)}): no statement deltas; ${ENABLE_STATEMENTS_HINT}`);
    }
    meta.meta.postgres = { server_version: info.rows[0]?.v ?? null, max_connections: Number(info.rows[0]?.mc ?? 0) || null, statements: statementsOn, log: opts.logLabel ?? opts.logFile };
    try {
      tenants = await loadTenants(c.manifest, opts.tenantSource);
    } catch (e) {
      meta.warn(`cannot read tenants for EXPLAIN parameters: ${errorMessage(e)}`);
    }
    targets = opts.plans.flatMap((p) => planTargets(p, tenants));
    for (const t of targets) if (t.error !== null) meta.warn(`plan ${t.plan.name} (${t.bucket}) is not EXPLAINed: ${t.error}`);
    targets = targets.filter((t) => t.error === null);
    if (opts.logFile !== null) {
      try {
        logOffset = (await stat(opts.logFile)).size;
        logParser = createLogParser(() => c.startedAtMs);
      } catch (e) {
        meta.warn(`cannot read the server log ${opts.logFile}: ${errorMessage(e)}`);
      }
    }
    return true;
  };

  return {
    name: 'postgres',
    async start(c) {
      ctx = c;
      meta.bind(c);
      if (await setup(c)) {
        await Promise.all([pollActivityOnce(), snapshotStatements('start'), explainPlans('start')]);
        tickers.push(startTicker(opts.activityIntervalMs ?? 1000, c.nowMs, pollActivityOnce, c.signal));
        if (statementsOn) tickers.push(startTicker(opts.statementsIntervalMs ?? 2000, c.nowMs, () => snapshotStatements('tick'), c.signal));
        const checkMs = opts.planCheckIntervalMs ?? 5000;
        if (checkMs > 0 && targets.length > 0) tickers.push(startTicker(checkMs, c.nowMs, async () => void (await recheckPlans()), c.signal));
        if (logParser !== null) tickers.push(startTicker(1000, c.nowMs, () => readLog(false), c.signal));
      }
      await meta.flush();
    },
    async onEvent(event: EventRecord) {
      if (monitor === null || stopped) return;
      const label = `event:${event.action}`;
      await Promise.all([snapshotStatements(label), explainPlans(label)]);
    },
    async stop() {
      stopped = true;
      await Promise.all(tickers.map((t) => t.stop()));
      await explainChain;
      if (monitor !== null) {
        stopped = false;
        await snapshotStatements('end');
        await explainPlans('end');
        await explainSlowest();
        stopped = true;
        await readLog(true);
      }
      for (const w of writers.values()) await w.close();
      writers.clear();
      for (const client of [monitor, explainer]) {
        if (client === null) continue;
        try {
          await client.end();
        } catch (e) {
          meta.warn(`closing a PostgreSQL connection: ${errorMessage(e)}`);
        }
      }
      monitor = null;
      explainer = null;
      await meta.flush();
    },
  };
};
