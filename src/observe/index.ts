/**
 * The observe stage's public face. `createObservers` returns the observers a
 * scenario asks for (a Prometheus scrape when `observe.prometheus` is set, a
 * PostgreSQL observer when `observe.postgres.url` or `--pg URL` is given); the
 * engine drives them (types.ts). `findings.ts` reads what they wrote for the
 * report; `plans-file.ts` is the `prodshape plans` snapshot format.
 */
import { resolve } from 'node:path';
import { inputError } from '../core/errors.js';
import { expandEnv } from '../core/env.js';
import { registerSecret } from '../core/secrets.js';
import type { Scenario } from '../scenario/scenario.js';
import { createMetaSink } from './meta.js';
import { createPostgresObserver, type PostgresObserverOptions } from './postgres.js';
import { createPrometheusObserver, selectorsFor } from './prometheus.js';
import type { Observer } from './types.js';

export type { Observer, RunContext } from './types.js';
export * from './files.js';
export * from './findings.js';
export { fingerprintNode, shapeLine, shapeTree, summarisePlan, planFlags, type PlanNode } from './fingerprint.js';
export { checkReadOnly } from './sql-guard.js';

export interface ObserveOptions {
  /** `--pg URL`: PostgreSQL to observe, overriding `observe.postgres.url`. */
  pgUrl?: string | null;
  /** `--instances N`: copies of the service behind one database (capacity math; default 1). */
  instances?: number;
  /** Intervals and limits of the PostgreSQL observer (tests and benchmarks shorten them). */
  postgres?: Pick<PostgresObserverOptions, 'activityIntervalMs' | 'statementsIntervalMs' | 'planCheckIntervalMs' | 'slowest' | 'explainTimeoutMs'>;
}

/** Expands `${ENV}` in a scenario field; a missing variable is an input error naming the field. */
const expandField = (template: string, field: string, scenario: Scenario | null): string => {
  const r = expandEnv(template);
  if (r.ok) return r.value;
  throw inputError(field, `\${${r.missing.join('}, ${')}} is not set in the environment`, {
    file: scenario?.file ?? null,
    hint: `export ${r.missing[0] ?? 'NAME'}=… before the run, or pass the value another way (--pg URL for the database)`,
  });
};

/**
 * The observers for a run. Throws an InputError (exit 1) for configuration
 * that cannot work (a `${VAR}` that is not set, a bad `--instances`); anything
 * that goes wrong once the run is under way is recorded, never thrown.
 */
export const createObservers = (scenario: Scenario | null, opts: ObserveOptions = {}): Observer[] => {
  const instances = opts.instances ?? 1;
  if (!Number.isInteger(instances) || instances < 1) throw inputError('--instances', `expected a whole number >= 1, got ${String(instances)}`);
  const meta = createMetaSink(instances);
  const observers: Observer[] = [];
  const spec = scenario?.observe;
  if (spec?.prometheus != null) {
    observers.push(createPrometheusObserver({
      spec: expandField(spec.prometheus, 'observe.prometheus', scenario),
      intervalMs: spec.prometheusIntervalMs,
      selectors: selectorsFor(spec.pool, spec.metrics),
      pool: spec.pool,
      meta,
    }));
  }
  let url: string | null = null;
  if (opts.pgUrl != null && opts.pgUrl !== '') {
    registerSecret(opts.pgUrl);
    url = opts.pgUrl;
  } else if (spec?.postgres != null) {
    url = expandField(spec.postgres.url, 'observe.postgres.url', scenario);
  }
  if (url !== null) {
    const log = spec?.postgres?.log ?? null;
    observers.push(createPostgresObserver({
      url,
      logFile: log === null ? null : resolve(scenario?.dir ?? process.cwd(), expandField(log, 'observe.postgres.log', scenario)),
      logLabel: log,
      plans: scenario?.plans ?? [],
      tenantSource: scenario?.tenants ?? null,
      meta,
      ...opts.postgres,
    }));
  }
  return observers;
};
