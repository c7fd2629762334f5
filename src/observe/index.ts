/**
 * The observe stage's public face. `createObservers` returns the observers a
 * scenario asks for (a Prometheus scrape when `observe.prometheus` is set, a
 * Prometheus server read after the run when `observe.prometheus_server` is, a
 * PostgreSQL observer when `observe.postgres.url` or `--pg URL` is given, a
 * MySQL/MariaDB observer when `observe.mysql.url` is); the
 * engine drives them (types.ts). `findings.ts` reads what they wrote for the
 * report; `plans-file.ts` is the `prodshape plans` snapshot format.
 */
import { resolve } from 'node:path';
import { inputError } from '../core/errors.js';
import { expandEnv } from '../core/env.js';
import { registerSecret } from '../core/secrets.js';
import type { Scenario } from '../scenario/scenario.js';
import { createMetaSink, type MetaSink } from './meta.js';
import { createMysqlObserver, type MysqlObserverOptions } from './mysql.js';
import { createPostgresObserver, type PostgresObserverOptions } from './postgres.js';
import { createPrometheusObserver, selectorsFor } from './prometheus.js';
import { createPromqlObserver } from './promql-server.js';
import type { Observer } from '../engine/observer.js';

export type { Observer, RunContext } from '../engine/observer.js';
export * from './files.js';
export * from './findings.js';
export { fingerprintNode, shapeLine, shapeTree, summarisePlan, planFlags, type PlanNode } from './fingerprint.js';
export { checkReadOnly } from './sql-guard.js';

export interface ObserveOptions {
  /** `--pg URL`: PostgreSQL to observe, overriding `observe.postgres.url`. */
  pgUrl?: string | null;
  /** `--instances N`: copies of the service behind one database (capacity math; default 1). */
  instances?: number;
  /**
   * Why this run has no PostgreSQL to observe, when the caller knows (the demo on
   * the embedded PGlite): said instead of "${VAR} is not set", and kept in observe.json.
   */
  postgresOff?: string | null;
  /** Wait after the run before reading the Prometheus server's window [its step + 1 s]. */
  promqlSettleMs?: number;
  /** Intervals and limits of the PostgreSQL observer (tests and benchmarks shorten them). */
  postgres?: Pick<PostgresObserverOptions, 'activityIntervalMs' | 'statementsIntervalMs' | 'planCheckIntervalMs' | 'slowest' | 'explainTimeoutMs'>;
  /** Intervals of the MySQL/MariaDB observer. */
  mysql?: Pick<MysqlObserverOptions, 'activityIntervalMs' | 'statementsIntervalMs' | 'explainTimeoutMs' | 'planCheckIntervalMs'>;
}

/**
 * Expands `${ENV}` in a scenario field, or returns null with a warning when a
 * variable is not set: an observer is optional, and a scenario may name one
 * that only some environments have (the demo's `${DATABASE_URL}`).
 */
const expandField = (template: string, field: string, meta: MetaSink, orElse = ', or pass --pg URL for the database'): string | null => {
  const r = expandEnv(template);
  if (r.ok) return r.value;
  meta.warn(`${field}: \${${r.missing.join('}, ${')}} is not set in the environment, so this observer is off (export it${orElse})`);
  return null;
};

/** An observer that only writes observe.json (and prints its warnings) when no other observer runs. */
const metaOnlyObserver = (meta: MetaSink): Observer => ({
  name: 'observe-meta',
  async start(ctx) {
    meta.bind(ctx);
    await meta.flush();
  },
  stop: () => meta.flush(),
});

/**
 * The observers for a run. Throws an InputError (exit 1) for a bad
 * `--instances`; an observer whose `${VAR}` is not set is left out with a
 * warning; anything that goes wrong once the run is under way is recorded,
 * never thrown.
 */
export const createObservers = (scenario: Scenario | null, opts: ObserveOptions = {}): Observer[] => {
  const instances = opts.instances ?? 1;
  if (!Number.isInteger(instances) || instances < 1) throw inputError('--instances', `expected a whole number >= 1, got ${String(instances)}`);
  const meta = createMetaSink(instances);
  const observers: Observer[] = [];
  const spec = scenario?.observe;
  const promUrl = spec?.prometheus == null ? null : expandField(spec.prometheus, 'observe.prometheus', meta);
  // With a Prometheus server, the pool is its queries; a scrape then keeps only `metrics` and the defaults.
  const scrapedPool = spec?.prometheusServer == null ? spec?.pool ?? null : null;
  if (spec != null && promUrl !== null) {
    observers.push(createPrometheusObserver({
      spec: promUrl,
      intervalMs: spec.prometheusIntervalMs,
      selectors: selectorsFor(scrapedPool, spec.metrics),
      pool: scrapedPool,
      meta,
    }));
  }
  const server = spec?.prometheusServer ?? null;
  const serverUrl = server === null ? null : expandField(server.url, 'observe.prometheus_server.url', meta);
  if (server !== null && serverUrl !== null) {
    observers.push(createPromqlObserver({ url: serverUrl, spec: server, meta, ...(opts.promqlSettleMs !== undefined ? { settleMs: opts.promqlSettleMs } : {}) }));
  }
  let url: string | null = null;
  if (opts.pgUrl != null && opts.pgUrl !== '') {
    registerSecret(opts.pgUrl);
    url = opts.pgUrl;
  } else if (spec?.postgres != null && opts.postgresOff != null) {
    meta.meta.postgres_off = opts.postgresOff;
    meta.warn(`PostgreSQL observer off: ${opts.postgresOff}`);
  } else if (spec?.postgres != null) {
    url = expandField(spec.postgres.url, 'observe.postgres.url', meta);
  }
  if (url !== null) {
    const log = spec?.postgres?.log ?? null;
    const logPath = log === null ? null : expandField(log, 'observe.postgres.log', meta);
    observers.push(createPostgresObserver({
      url,
      logFile: logPath === null ? null : resolve(scenario?.dir ?? process.cwd(), logPath),
      logLabel: log,
      plans: scenario?.plans ?? [],
      tenantSource: scenario?.tenants ?? null,
      meta,
      ...opts.postgres,
    }));
  }
  const mysqlUrl = spec?.mysql == null ? null : expandField(spec.mysql.url, 'observe.mysql.url', meta, '');
  if (mysqlUrl !== null) {
    registerSecret(mysqlUrl);
    observers.push(createMysqlObserver({ url: mysqlUrl, plans: scenario?.plans ?? [], tenantSource: scenario?.tenants ?? null, meta, ...opts.mysql }));
  }
  if (observers.length === 0 && meta.meta.warnings.length > 0) observers.push(metaOnlyObserver(meta));
  return observers;
};
