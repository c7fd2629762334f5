/**
 * Scenarios: the system under test (docs/design.md "Scenario file"): its data, its
 * endpoints, its actions, what to observe, its critical queries and its SLOs.
 * A scenario never knows time; any profile runs with any scenario.
 *
 * Strings keep their `${NAME}` references: they are expanded at the moment of
 * use (engine, observers) with core/env.ts, so the resolved scenario written to
 * a run directory never holds a secret.
 */
import { dirname, resolve } from 'node:path';
import { createChecker, parseYaml, readYamlFile, type Checker, type DocPath, type YamlDoc } from '../core/yaml-doc.js';
import { parseDataSpec, type DataSpec } from './data-spec.js';
import { parseSlo } from './slo.js';

/** Where tenant ids and their sizes come from when not from `--data DIR`. */
export type TenantSource =
  | { kind: 'csv'; path: string; idColumn: string; rowsColumn: string }
  | { kind: 'manifest'; path: string };

/** How `{tenant}` is picked for an endpoint: by rows (production popularity) or uniformly. */
export type TenantPick = 'weighted' | 'uniform';

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface Endpoint {
  name: string;
  /** Relative share of requests (> 0); normalised over all endpoints. */
  weight: number;
  method: HttpMethod;
  /** Path and query template, e.g. `/tenants/{tenant}/orders?status=pending`. */
  path: string;
  /** Header templates; values may hold `${ENV}` references (secrets). */
  headers: Record<string, string>;
  /** JSON body template (strings may hold placeholders), or undefined. */
  body: unknown;
  tenant: TenantPick;
  /** Per-request timeout in ms, or null for the run's default. */
  timeoutMs: number | null;
}

export type Action =
  | { kind: 'http'; method: HttpMethod; path: string; headers: Record<string, string>; body: unknown; timeoutMs: number }
  | { kind: 'run'; command: string; timeoutMs: number };

/** Prometheus gauges that mean "pool" (names of series in the target's /metrics). */
export interface PoolGauges { in_use?: string; waiting?: string; size?: string }

/**
 * The names a Prometheus server's pool queries are recorded under
 * (`observe.prometheus_server.pool`): what `ObserveSpec.pool` holds then, so
 * the pool detector and the capacity estimate read them like scraped gauges.
 */
export const PROMQL_POOL_NAMES = { in_use: 'promql:pool_in_use', waiting: 'promql:pool_waiting', size: 'promql:pool_size' } as const;

/** A Prometheus server that has the service's pool gauges (`observe.prometheus_server`). */
export interface PrometheusServerSpec {
  /** Base URL of the server (`http://127.0.0.1:9090`); may hold `${ENV}`. */
  url: string;
  /** `query_range` resolution, ms (default 1000). */
  stepMs: number;
  /** PromQL expressions for the pool: in use, waiting, size (each optional). */
  pool: PoolGauges;
}

export interface ObserveSpec {
  /** `/metrics` (relative to the target) or a full URL; null when not scraped. */
  prometheus: string | null;
  /** Scrape interval in ms (default 1000). */
  prometheusIntervalMs: number;
  /** Extra series names (or prefixes ending in `*`) to keep from each scrape. */
  metrics: string[];
  /**
   * The pool gauge names the analysis reads: `observe.pool` (scraped), or
   * PROMQL_POOL_NAMES when `observe.prometheus_server.pool` gives queries.
   */
  pool: PoolGauges | null;
  /** A Prometheus server read with `query_range` over the run's window, or null. */
  prometheusServer: PrometheusServerSpec | null;
  /** PostgreSQL observer: URL template and optional server log path. */
  postgres: { url: string; log: string | null } | null;
  /** MySQL/MariaDB observer: URL template (`mysql://` or `mariadb://`). */
  mysql: { url: string } | null;
}

/** A critical query for `prodshape plans` and EXPLAIN: params name dataset sources like `{tenant}`. */
export interface PlanQuery { name: string; sql: string; params: string[] }

/** A request's timeout when the scenario's `timeout` (and `--timeout`) do not set one, ms. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export interface Scenario {
  name: string;
  /** Absolute path of the file, or null when parsed from text. */
  file: string | null;
  /** Directory relative paths resolve against. */
  dir: string;
  /** The file's text, unexpanded (safe to copy into a run directory). */
  sourceText: string;
  description: string;
  data: DataSpec | null;
  tenants: TenantSource | null;
  endpoints: Endpoint[];
  actions: Record<string, Action>;
  observe: ObserveSpec;
  plans: PlanQuery[];
  /** Default SLO specs (`p99<300ms`, `list-orders:p95<100ms`, `errors<1%`). */
  slo: string[];
  /** Default request timeout in ms for endpoints without their own. */
  timeoutMs: number;
}

const TOP_KEYS = ['name', 'description', 'data', 'tenants', 'endpoints', 'actions', 'observe', 'plans', 'slo', 'timeout'] as const;

/** An HTTP header name: a token (RFC 9110 5.1). */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** True when `s` holds a control character (U+0000–U+001F, U+007F), tab excepted when `tabOk`: CR/LF would split a request. */
const hasControl = (s: string, tabOk: boolean): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && !(tabOk && c === 0x09)) || c === 0x7f) return true;
  }
  return false;
};
/** A request path: starts with /, no whitespace and no control characters (they would split or corrupt the request line). */
const isRequestPath = (s: string): boolean => /^\/\S*$/.test(s) && !hasControl(s, false);
const REQUEST_PATH_TEXT = 'a path starting with / without spaces or control characters (percent-encode them: %20, %0D, %0A)';

const parseHeaders = (c: Checker, path: DocPath, raw: unknown): Record<string, string> => {
  if (raw === undefined) return {};
  const m = c.map(path, raw);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m ?? {})) {
    if (!HEADER_NAME.test(k)) {
      c.problem([...path, k], `expected a header name of letters, digits and !#$%&'*+-.^_\`|~ (no spaces or control characters), got ${JSON.stringify(k)}`);
      continue;
    }
    const s = c.string([...path, k], v);
    if (s !== undefined && hasControl(s, true)) c.problem([...path, k], `a header value may not hold control characters such as CR or LF, got ${JSON.stringify(s)}`);
    else if (s !== undefined) out[k] = s;
  }
  return out;
};

/** `POST /admin/deploy` → method and path. */
const parseMethodPath = (c: Checker, path: DocPath, raw: unknown): { method: HttpMethod; path: string } | undefined => {
  const s = c.string(path, raw, { nonEmpty: true });
  if (s === undefined) return undefined;
  const m = /^\s*([A-Za-z]+)\s+(\S+)\s*$/.exec(s);
  const method = m?.[1]?.toUpperCase();
  if (!m || !(HTTP_METHODS as readonly string[]).includes(method ?? '') || !isRequestPath(m[2] ?? '')) {
    c.problem(path, `expected "METHOD /path" such as "POST /admin/deploy", got ${JSON.stringify(s)}`);
    return undefined;
  }
  return { method: method as HttpMethod, path: m[2] ?? '/' };
};

const parseEndpoint = (c: Checker, path: DocPath, raw: unknown): Endpoint | undefined => {
  const o = c.object(path, raw, {
    required: ['name', 'path'],
    optional: ['weight', 'method', 'headers', 'body', 'tenant', 'timeout'],
  });
  if (!o) return undefined;
  const name = c.string([...path, 'name'], o.name, { nonEmpty: true, pattern: /^[A-Za-z0-9_.:-]+$/, patternText: 'a name of letters, digits, _ . : -' });
  const weight = o.weight === undefined ? 1 : c.number([...path, 'weight'], o.weight, { min: 0, exclusiveMin: true });
  const methodRaw = o.method === undefined ? 'GET' : c.string([...path, 'method'], o.method);
  const method = methodRaw === undefined ? undefined : c.oneOf([...path, 'method'], methodRaw.toUpperCase(), HTTP_METHODS);
  const pathText = c.string([...path, 'path'], o.path, { nonEmpty: true });
  const p = pathText === undefined || isRequestPath(pathText) ? pathText : undefined;
  if (pathText !== undefined && p === undefined) c.problem([...path, 'path'], `expected ${REQUEST_PATH_TEXT}, got ${JSON.stringify(pathText)}`);
  const headers = parseHeaders(c, [...path, 'headers'], o.headers);
  const tenant = o.tenant === undefined ? 'weighted' : c.oneOf([...path, 'tenant'], o.tenant, ['weighted', 'uniform'] as const);
  const timeoutMs = o.timeout === undefined ? null : (c.durationMs([...path, 'timeout'], o.timeout, { min: 1 }) ?? null);
  if (name === undefined || weight === undefined || method === undefined || p === undefined || tenant === undefined) return undefined;
  return { name, weight, method, path: p, headers, body: o.body, tenant, timeoutMs };
};

const parseAction = (c: Checker, path: DocPath, raw: unknown): Action | undefined => {
  const o = c.object(path, raw, { optional: ['http', 'run', 'headers', 'body', 'timeout'] });
  if (!o) return undefined;
  if ((o.http === undefined) === (o.run === undefined)) {
    c.problem(path, 'an action is either `http: "METHOD /path"` or `run: "shell command"`');
    return undefined;
  }
  const timeoutMs = o.timeout === undefined ? 30_000 : c.durationMs([...path, 'timeout'], o.timeout, { min: 1 });
  if (timeoutMs === undefined) return undefined;
  if (o.run !== undefined) {
    if (o.headers !== undefined || o.body !== undefined) c.problem(path, '`headers` and `body` only go with `http` actions');
    const command = c.string([...path, 'run'], o.run, { nonEmpty: true });
    return command === undefined ? undefined : { kind: 'run', command, timeoutMs };
  }
  const mp = parseMethodPath(c, [...path, 'http'], o.http);
  const headers = parseHeaders(c, [...path, 'headers'], o.headers);
  return mp === undefined ? undefined : { kind: 'http', ...mp, headers, body: o.body, timeoutMs };
};

/** `{ in_use, waiting, size }`: each a non-empty string when present. */
const parsePoolKeys = (c: Checker, path: DocPath, raw: unknown): PoolGauges | null => {
  const po = c.object(path, raw, { optional: ['in_use', 'waiting', 'size'] });
  if (!po) return null;
  const pool: PoolGauges = {};
  for (const k of ['in_use', 'waiting', 'size'] as const) {
    if (po[k] !== undefined) {
      const s = c.string([...path, k], po[k], { nonEmpty: true });
      if (s !== undefined) pool[k] = s;
    }
  }
  return pool;
};

/** `observe.prometheus_server: { url, step?, pool: { in_use, waiting, size } }`. */
const parsePrometheusServer = (c: Checker, path: DocPath, raw: unknown): PrometheusServerSpec | null => {
  const o = c.object(path, raw, { required: ['url', 'pool'], optional: ['step'] });
  if (!o) return null;
  const url = o.url === undefined ? undefined : c.string([...path, 'url'], o.url, { nonEmpty: true });
  const stepMs = o.step === undefined ? 1000 : c.durationMs([...path, 'step'], o.step, { min: 100 });
  const pool = o.pool === undefined ? null : parsePoolKeys(c, [...path, 'pool'], o.pool);
  if (pool !== null && Object.keys(pool).length === 0) c.problem([...path, 'pool'], 'expected at least one of in_use, waiting, size (a PromQL query each)');
  if (url === undefined || stepMs === undefined || pool === null) return null;
  return { url, stepMs, pool };
};

const parseObserve = (c: Checker, path: DocPath, raw: unknown): ObserveSpec => {
  const none: ObserveSpec = { prometheus: null, prometheusIntervalMs: 1000, metrics: [], pool: null, prometheusServer: null, postgres: null, mysql: null };
  if (raw === undefined || raw === null) return none;
  const o = c.object(path, raw, { optional: ['prometheus', 'interval', 'metrics', 'pool', 'prometheus_server', 'postgres', 'mysql'] });
  if (!o) return none;
  const prometheus = o.prometheus === undefined ? null : (c.string([...path, 'prometheus'], o.prometheus, { nonEmpty: true }) ?? null);
  const prometheusIntervalMs = o.interval === undefined ? 1000 : (c.durationMs([...path, 'interval'], o.interval, { min: 100 }) ?? 1000);
  const metrics = o.metrics === undefined ? [] : (c.list([...path, 'metrics'], o.metrics) ?? []).map((m, i) => c.string([...path, 'metrics', i], m, { nonEmpty: true }) ?? '');
  let pool: PoolGauges | null = null;
  if (o.pool !== undefined) {
    pool = parsePoolKeys(c, [...path, 'pool'], o.pool);
    if (prometheus === null) c.problem([...path, 'pool'], 'pool gauges are read from Prometheus: set `observe.prometheus` too (or give PromQL queries in `observe.prometheus_server.pool`)');
  }
  const prometheusServer = o.prometheus_server === undefined ? null : parsePrometheusServer(c, [...path, 'prometheus_server'], o.prometheus_server);
  if (prometheusServer !== null && o.pool !== undefined) {
    c.problem([...path, 'pool'], 'the pool comes from one place: scraped gauge names here, or PromQL queries in `observe.prometheus_server.pool`, not both');
  }
  if (prometheusServer !== null) pool = Object.fromEntries(Object.keys(prometheusServer.pool).map((k) => [k, PROMQL_POOL_NAMES[k as keyof PoolGauges]]));
  let postgres: ObserveSpec['postgres'] = null;
  if (o.postgres !== undefined) {
    const pg = c.object([...path, 'postgres'], o.postgres, { required: ['url'], optional: ['log'] });
    const url = pg ? c.string([...path, 'postgres', 'url'], pg.url, { nonEmpty: true }) : undefined;
    const log = pg?.log === undefined ? null : (c.string([...path, 'postgres', 'log'], pg.log, { nonEmpty: true }) ?? null);
    if (url !== undefined) postgres = { url, log };
  }
  let mysql: ObserveSpec['mysql'] = null;
  if (o.mysql !== undefined) {
    const my = c.object([...path, 'mysql'], o.mysql, { required: ['url'] });
    const url = my ? c.string([...path, 'mysql', 'url'], my.url, { nonEmpty: true }) : undefined;
    if (url !== undefined) mysql = { url };
  }
  return { prometheus, prometheusIntervalMs, metrics: metrics.filter((m) => m !== ''), pool, prometheusServer, postgres, mysql };
};

const parseTenants = (c: Checker, path: DocPath, raw: unknown, dir: string): TenantSource | null => {
  if (raw === undefined || raw === null) return null;
  const o = c.object(path, raw, { optional: ['csv', 'id', 'rows', 'manifest'] });
  if (!o) return null;
  if (o.manifest !== undefined) {
    if (o.csv !== undefined) c.problem(path, 'give either `csv` or `manifest`, not both');
    const m = c.string([...path, 'manifest'], o.manifest, { nonEmpty: true });
    return m === undefined ? null : { kind: 'manifest', path: resolve(dir, m) };
  }
  if (o.csv === undefined) {
    c.problem(path, 'expected `csv: FILE` (with `id` and `rows` column names) or `manifest: FILE`');
    return null;
  }
  const csv = c.string([...path, 'csv'], o.csv, { nonEmpty: true });
  const idColumn = o.id === undefined ? 'tenant_id' : c.string([...path, 'id'], o.id, { nonEmpty: true });
  const rowsColumn = o.rows === undefined ? 'rows' : c.string([...path, 'rows'], o.rows, { nonEmpty: true });
  if (csv === undefined || idColumn === undefined || rowsColumn === undefined) return null;
  return { kind: 'csv', path: resolve(dir, csv), idColumn, rowsColumn };
};

/** Validates a parsed scenario document; throws an InputError listing every problem. */
export const scenarioFromDoc = (doc: YamlDoc, file: string | null, fallbackName: string): Scenario => {
  const c = createChecker(doc);
  const dir = file === null ? process.cwd() : dirname(file);
  const o = c.object([], doc.value, { required: ['name'], optional: TOP_KEYS.filter((k) => k !== 'name') }) ?? {};
  const name = c.string(['name'], o.name, { nonEmpty: true }) ?? fallbackName;
  const timeoutMs = o.timeout === undefined ? DEFAULT_REQUEST_TIMEOUT_MS : (c.durationMs(['timeout'], o.timeout, { min: 1 }) ?? DEFAULT_REQUEST_TIMEOUT_MS);
  const data = o.data === undefined || o.data === null ? null : (parseDataSpec(c, ['data'], o.data) ?? null);
  const tenants = parseTenants(c, ['tenants'], o.tenants, dir);
  const endpointsRaw = o.endpoints === undefined ? [] : (c.list(['endpoints'], o.endpoints) ?? []);
  const endpoints = endpointsRaw
    .map((e, i) => parseEndpoint(c, ['endpoints', i], e))
    .filter((e): e is Endpoint => e !== undefined);
  const seen = new Set<string>();
  endpointsRaw.forEach((e, i) => {
    const n = (e as { name?: unknown } | null)?.name;
    if (typeof n !== 'string') return;
    if (seen.has(n)) c.problem(['endpoints', i, 'name'], `duplicate endpoint name "${n}"`);
    seen.add(n);
  });
  const actions: Record<string, Action> = {};
  if (o.actions !== undefined) {
    for (const [k, v] of Object.entries(c.map(['actions'], o.actions) ?? {})) {
      const a = parseAction(c, ['actions', k], v);
      if (a) actions[k] = a;
    }
  }
  const observe = parseObserve(c, ['observe'], o.observe);
  const plans: PlanQuery[] = [];
  if (o.plans !== undefined) {
    (c.list(['plans'], o.plans) ?? []).forEach((p, i) => {
      const po = c.object(['plans', i], p, { required: ['name', 'sql'], optional: ['params'] });
      if (!po) return;
      const pname = c.string(['plans', i, 'name'], po.name, { nonEmpty: true });
      const sql = c.string(['plans', i, 'sql'], po.sql, { nonEmpty: true });
      const params = po.params === undefined ? [] : (c.list(['plans', i, 'params'], po.params) ?? []).map((x, j) => c.string(['plans', i, 'params', j], x) ?? '');
      if (pname !== undefined && sql !== undefined) plans.push({ name: pname, sql, params });
    });
  }
  const slo = o.slo === undefined ? [] : (c.list(['slo'], o.slo) ?? []).map((s, i) => {
    const text = c.string(['slo', i], s, { nonEmpty: true }) ?? '';
    const spec = text === '' ? null : parseSlo(text);
    if (typeof spec === 'string') c.problem(['slo', i], spec);
    return text;
  });
  const description = typeof o.description === 'string' ? o.description : '';
  c.done();
  return {
    name, file, dir, sourceText: doc.text, description, data, tenants, endpoints, actions, observe, plans,
    slo: slo.filter((s) => s !== ''), timeoutMs,
  };
};

/** Reads and validates a scenario file. */
export const loadScenario = async (file: string): Promise<Scenario> => {
  const doc = await readYamlFile(file);
  return scenarioFromDoc(doc, file, file.split('/').pop()?.replace(/\.ya?ml$/, '') ?? 'scenario');
};

/** Parses scenario YAML text (tests, generated scenarios); relative paths resolve against `dir`. */
export const parseScenario = (text: string, file: string | null = null): Scenario =>
  scenarioFromDoc(parseYaml(text, file ?? '<scenario>'), file, 'scenario');
