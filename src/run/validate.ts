/**
 * Checks of run-directory records as read back (run.json and each NDJSON
 * line): a damaged or hand-edited file must be an input error naming the
 * field, never a crash deep in the analysis. Pure: each check returns the
 * first problem as `{ field, message }`, or null when the record is sound.
 */
import { ERROR_CLASSES, RUN_FORMAT_VERSION, TENANT_CLASSES } from './format.js';

export interface FieldProblem { field: string; message: string }

/** Longest run a run directory may describe: 31 days, in seconds (windows are one per second). */
export const MAX_RUN_S = 31 * 86_400;

type Rec = Record<string, unknown>;
type Check = (r: Rec) => FieldProblem | null;

const show = (v: unknown): string => (v === undefined ? 'nothing' : typeof v === 'string' ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v) : JSON.stringify(v) ?? typeof v);
const bad = (field: string, expected: string, v: unknown): FieldProblem => ({ field, message: `expected ${expected}, got ${show(v)}` });
const isObject = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

const count = (field: string): Check => (r) => (typeof r[field] === 'number' && Number.isInteger(r[field]) && r[field] >= 0 ? null : bad(field, 'a whole number >= 0', r[field]));
const str = (field: string): Check => (r) => (typeof r[field] === 'string' ? null : bad(field, 'a string', r[field]));
const strOrNull = (field: string): Check => (r) => (r[field] === null || typeof r[field] === 'string' ? null : bad(field, 'a string or null', r[field]));
const num = (field: string): Check => (r) => (typeof r[field] === 'number' && Number.isFinite(r[field]) ? null : bad(field, 'a number', r[field]));
const numOrNull = (field: string): Check => (r) => (r[field] === null || (typeof r[field] === 'number' && Number.isFinite(r[field])) ? null : bad(field, 'a number or null', r[field]));
const bool = (field: string): Check => (r) => (typeof r[field] === 'boolean' ? null : bad(field, 'true or false', r[field]));
const optional = (field: string, check: Check): Check => (r) => (r[field] === undefined ? null : check(r));
const seconds = (field: string): Check => (r) => {
  const v = r[field];
  return typeof v === 'number' && v >= 0 && v <= MAX_RUN_S ? null : bad(field, `seconds from 0 to ${MAX_RUN_S} (31 days)`, v);
};
const oneOf = (field: string, options: readonly string[]): Check => (r) => (typeof r[field] === 'string' && options.includes(r[field]) ? null : bad(field, `one of ${options.join(', ')}`, r[field]));
const strings = (field: string): Check => (r) => {
  const v = r[field];
  if (!Array.isArray(v)) return bad(field, 'a list of strings', v);
  const i = v.findIndex((x) => typeof x !== 'string');
  return i < 0 ? null : bad(`${field}[${i}]`, 'a string', v[i]);
};

/** V2 compressed HdrHistogram cookie (flags in the low nibble ignored). */
const HDR_V2_COMPRESSED = 0x1c849304;

/**
 * An encoded histogram as the run directory holds it: base64 of the HdrHistogram
 * V2 compressed cookie, a payload length and exactly that many bytes.
 */
const histogram = (field: string): Check => (r) => {
  const v = r[field];
  if (typeof v !== 'string') return bad(field, 'an encoded histogram (base64 text)', v);
  const raw = Buffer.from(v, 'base64');
  const sound = /^[A-Za-z0-9+/]+=*$/.test(v) && raw.length >= 8 && (raw.readInt32BE(0) & ~0xf0) === HDR_V2_COMPRESSED && raw.readInt32BE(4) === raw.length - 8;
  return sound ? null : { field, message: `not an encoded histogram (damaged or cut short): ${show(v)}` };
};

const errorsMap: Check = (r) => {
  const v = r.errors;
  if (!isObject(v)) return bad('errors', 'a mapping of error class to count', v);
  for (const [k, n] of Object.entries(v)) {
    if (!(ERROR_CLASSES as readonly string[]).includes(k)) return bad(`errors.${k}`, `an error class (${ERROR_CLASSES.join(', ')})`, k);
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) return bad(`errors.${k}`, 'a whole number >= 0', n);
  }
  return null;
};

const valuesMap: Check = (r) => {
  const v = r.values;
  if (!isObject(v)) return bad('values', 'a mapping of series to value', v);
  for (const [k, n] of Object.entries(v)) if (n !== null && typeof n !== 'number') return bad(`values.${k}`, 'a number', n);
  return null;
};

const lagMs: Check = (r) => {
  const v = r.lag_ms;
  if (!isObject(v)) return bad('lag_ms', 'a mapping of p50, p99, max', v);
  for (const k of ['p50', 'p99', 'max']) if (v[k] !== null && v[k] !== undefined && (typeof v[k] !== 'number' || !Number.isFinite(v[k]))) return bad(`lag_ms.${k}`, 'a number or null', v[k]);
  return null;
};

const tool: Check = (r) => (isObject(r.tool) && typeof r.tool.name === 'string' ? null : bad('tool', 'a mapping with a name', r.tool));
const seed: Check = (r) => (typeof r.seed === 'number' || typeof r.seed === 'string' ? null : bad('seed', 'a number or a string', r.seed));
const format: Check = (r) => (r.format === RUN_FORMAT_VERSION ? null : bad('format', `${RUN_FORMAT_VERSION} (this prodshape reads run directories of format ${RUN_FORMAT_VERSION})`, r.format));

const all = (checks: readonly Check[]) => (v: unknown): FieldProblem | null => {
  if (!isObject(v)) return { field: '', message: `expected a JSON object, got ${Array.isArray(v) ? 'a list' : show(v)}` };
  for (const c of checks) {
    const p = c(v);
    if (p !== null) return p;
  }
  return null;
};

/** run.json (RunMeta). */
export const checkRunMeta = all([
  format, tool, strOrNull('target'), strOrNull('scenario'), strOrNull('profile'), num('started_at_ms'),
  seconds('planned_duration_s'), seconds('duration_s'), seed, num('speed'), num('rate_scale'), str('arrival'),
  strings('endpoints'), strings('slo'), num('workers'), num('connections'), numOrNull('max_inflight'),
  bool('interrupted'), strOrNull('interrupt_reason'), lagMs, optional('generator_limited', bool('generator_limited')),
  optional('extra', (r) => (isObject(r.extra) ? null : bad('extra', 'a mapping', r.extra))),
]);

/** A windows.ndjson line (WindowRecord). */
export const checkWindowRecord = all([
  (r) => (typeof r.t_s === 'number' && Number.isInteger(r.t_s) && r.t_s >= 0 && r.t_s <= MAX_RUN_S ? null : bad('t_s', `a whole second from 0 to ${MAX_RUN_S} (31 days)`, r.t_s)),
  str('endpoint'), oneOf('tenant_class', TENANT_CLASSES),
  count('offered'), count('sent'), count('dropped'), count('completed'), errorsMap, count('completed_in_window'), count('ok_in_window'),
  histogram('latency'), optional('service', histogram('service')), optional('lag', histogram('lag')),
]);

/** One entry of a tenant record's `windows` (TenantWindow). */
const checkTenantWindow = all([count('t_s'), count('requests'), count('errors'), histogram('latency')]);

/** A tenant record's optional `windows`: a list of TenantWindow, named by index in a problem. */
const tenantWindows: Check = (r) => {
  const v = r.windows;
  if (!Array.isArray(v)) return bad('windows', 'a list of windows', v);
  for (let i = 0; i < v.length; i++) {
    const p = checkTenantWindow(v[i]);
    if (p !== null) return { field: `windows[${i}]${p.field ? `.${p.field}` : ''}`, message: p.message };
  }
  return null;
};

/** A tenants.ndjson line (TenantRecord). */
export const checkTenantRecord = all([
  str('tenant'), numOrNull('rows'), oneOf('tenant_class', TENANT_CLASSES), str('endpoint'), count('requests'), count('errors'), histogram('latency'),
  optional('windows', tenantWindows),
]);

/** An events.ndjson line (EventRecord). */
export const checkEventRecord = all([
  num('t_s'), str('action'), str('kind'), num('start_ms'), num('end_ms'), bool('ok'), numOrNull('status'), optional('output', str('output')), optional('error', strOrNull('error')),
]);

/** A metrics.ndjson line (ScrapeRecord). */
export const checkScrapeRecord = all([num('t_s'), bool('ok'), optional('error', strOrNull('error')), valuesMap]);
