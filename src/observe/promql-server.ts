/**
 * The Prometheus server observer (`observe.prometheus_server`): after the
 * run, `query_range` over the run's window at the scenario's step for each
 * pool query, written to promql.ndjson as the same records a `/metrics`
 * scrape writes, under PROMQL_POOL_NAMES. The pool detector, the capacity
 * estimate and diagnosis step 3 then read them like scraped gauges; the
 * per-instance series (labels kept) stay in the file, and the distinct
 * `instance` labels are the service's instance count (observe.json).
 *
 * Reading after the run keeps the server out of the load's way, and lets
 * `prodshape report DIR --prometheus URL` read the same window again later
 * (`rereadPrometheus`) when the server was unreachable during the run.
 * A failed read is recorded (observe.json, one `ok: false` record), never thrown.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dispatcher } from 'undici';
import { errorMessage, inputError } from '../core/errors.js';
import { redact, redactDeep, redactUrl } from '../core/secrets.js';
import { RUN_FILES, type RunMeta } from '../run/format.js';
import { parseScenario, PROMQL_POOL_NAMES, type PoolGauges, type PrometheusServerSpec } from '../scenario/scenario.js';
import type { Observer, RunContext } from '../engine/observer.js';
import { OBSERVE_FILES, type ObservedScrapeRecord, type ObserveMeta, type PrometheusServerMeta } from './files.js';
import type { MetaSink } from './meta.js';
import { distinctLabel, queryRange, rangeToScrapes, type RangeSeries } from './promql.js';

/** Points per series and query: Prometheus refuses more than 11,000, so longer windows are read in pieces. */
const MAX_STEPS = 10_000;
/** Timeout of one query_range. */
const QUERY_TIMEOUT_MS = 10_000;

/** What a read of the run's window gave. */
export interface ServerRead {
  records: ObservedScrapeRecord[];
  /** Distinct `instance` labels across the results, or null when none carries one. */
  instances: string[] | null;
}

/**
 * Reads the pool queries over [t0, t0 + durationS] at `stepMs` (in pieces of
 * at most MAX_STEPS steps) and returns the merged records (t_s from the run's
 * time zero) and the instances the series name.
 */
export const readServerPool = async (
  server: URL, pool: PoolGauges, stepMs: number, t0EpochS: number, durationS: number, dispatcher?: Dispatcher,
): Promise<ServerRead> => {
  const stepS = stepMs / 1000;
  const steps = Math.max(0, Math.ceil(durationS / stepS - 1e-9));
  const results: Array<{ name: string; series: RangeSeries[] }> = [];
  for (let first = 0; first <= steps; first += MAX_STEPS + 1) {
    const last = Math.min(steps, first + MAX_STEPS);
    const w = { startS: t0EpochS + first * stepS, endS: t0EpochS + last * stepS, stepS };
    for (const key of ['in_use', 'waiting', 'size'] as const) {
      const expr = pool[key];
      if (expr === undefined) continue;
      const series = await queryRange(server, expr, w, { timeoutMs: QUERY_TIMEOUT_MS, ...(dispatcher ? { dispatcher } : {}) });
      results.push({ name: PROMQL_POOL_NAMES[key], series });
    }
  }
  const instances = distinctLabel(results.flatMap((r) => r.series), 'instance');
  return { records: rangeToScrapes(results, t0EpochS), instances: instances.length === 0 ? null : instances };
};

/** observe.json's entry for a server before it is read. */
export const serverMeta = (url: URL, spec: PrometheusServerSpec): PrometheusServerMeta => ({
  url: redactUrl(url),
  step_ms: spec.stepMs,
  queries: { ...spec.pool },
  pool: Object.fromEntries(Object.keys(spec.pool).map((k) => [k, PROMQL_POOL_NAMES[k as keyof PoolGauges]])),
  instances: null,
  error: null,
});

/**
 * Reads the window and writes promql.ndjson (replacing it); returns the
 * entry for observe.json with the instances, or the error (a failed read is
 * one `ok: false` record in the file, so the report says why there are no gauges).
 */
export const writeServerWindow = async (
  runDir: string, url: URL, spec: PrometheusServerSpec, t0EpochS: number, durationS: number, dispatcher?: Dispatcher,
): Promise<PrometheusServerMeta> => {
  const meta = serverMeta(url, spec);
  let records: ObservedScrapeRecord[];
  try {
    const read = await readServerPool(url, spec.pool, spec.stepMs, t0EpochS, durationS, dispatcher);
    records = read.records;
    meta.instances = read.instances;
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    meta.error = redact(`${errorMessage(e)}${cause ? ` (${cause})` : ''}`);
    records = [{ t_s: 0, ok: false, error: meta.error, values: {}, duration_ms: 0 }];
  }
  await writeFile(join(runDir, OBSERVE_FILES.promql), records.map((r) => `${JSON.stringify(redactDeep(r))}\n`).join(''));
  return meta;
};

/** The warning for a window that could not be read. */
const failedText = (meta: PrometheusServerMeta): string =>
  `query_range on ${meta.url} failed: ${meta.error ?? ''}; the pool gauges are missing from this report (read them later with \`prodshape report DIR --prometheus URL\`)`;

export interface ServerObserverOptions {
  /** `observe.prometheus_server.url` with `${ENV}` expanded. */
  url: string;
  spec: PrometheusServerSpec;
  meta: MetaSink;
  /** Wait after the run before reading, so the server has scraped its last second [step + 1 s]. */
  settleMs?: number;
}

/** Creates the observer: records its settings at start, reads the window after the run. */
export const createPromqlObserver = (opts: ServerObserverOptions): Observer => {
  const { meta, spec } = opts;
  const url = new URL(opts.url);
  let ctxRef: RunContext | null = null;
  return {
    name: 'prometheus-server',
    async start(ctx) {
      ctxRef = ctx;
      meta.bind(ctx);
      meta.meta.prometheus_server = serverMeta(url, spec);
      await meta.flush();
    },
    async stop() {
      const ctx = ctxRef;
      if (ctx === null) return;
      ctxRef = null;
      const endMs = ctx.nowMs();
      const settleMs = opts.settleMs ?? spec.stepMs + 1000;
      if (!ctx.signal.aborted) await new Promise((r) => setTimeout(r, settleMs));
      const m = await writeServerWindow(ctx.runDir, url, spec, ctx.startedAtMs / 1000, Math.max(0, endMs) / 1000, ctx.dispatcher);
      meta.meta.prometheus_server = m;
      if (m.error !== null) meta.warn(failedText(m));
      await meta.flush();
    },
  };
};

/**
 * `prodshape report DIR --prometheus URL`: reads the run's window (run.json's
 * time zero and duration) again with the queries of the run's scenario.yaml,
 * replaces promql.ndjson and updates observe.json. The URL was checked by the
 * caller (safety rule; `dispatcher` connects to checked addresses only).
 * InputError when the run's scenario names no `observe.prometheus_server`.
 */
export const rereadPrometheus = async (runDir: string, url: URL, dispatcher?: Dispatcher): Promise<PrometheusServerMeta> => {
  const runFile = join(runDir, RUN_FILES.meta);
  if (!existsSync(runFile)) throw inputError('DIR', 'not a prodshape run directory (no run.json)', { file: runDir, hint: 'pass the --out DIR of a `prodshape replay` run' });
  const run = JSON.parse(await readFile(runFile, 'utf8')) as RunMeta;
  const scenarioFile = join(runDir, RUN_FILES.scenario);
  const spec = existsSync(scenarioFile) ? parseScenario(await readFile(scenarioFile, 'utf8'), scenarioFile).observe.prometheusServer : null;
  if (spec === null) {
    throw inputError('--prometheus', 'the run\'s scenario (scenario.yaml in the run directory) has no observe.prometheus_server: there are no queries to read', {
      hint: 'add observe.prometheus_server { url, pool: { in_use, waiting, size } } to the scenario for the next run',
    });
  }
  const m = await writeServerWindow(runDir, url, spec, run.started_at_ms / 1000, run.duration_s, dispatcher);
  const metaFile = join(runDir, OBSERVE_FILES.meta);
  const prev: ObserveMeta = existsSync(metaFile)
    ? JSON.parse(await readFile(metaFile, 'utf8')) as ObserveMeta
    : { prometheus: null, postgres: null, instances: 1, warnings: [] };
  const warnings = prev.warnings.filter((w) => !w.startsWith('query_range on '));
  if (m.error !== null) warnings.push(failedText(m));
  await writeFile(metaFile, `${JSON.stringify(redactDeep({ ...prev, prometheus_server: m, warnings }), null, 2)}\n`);
  return m;
};
