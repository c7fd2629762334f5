/**
 * Request templates: what an endpoint's path, headers and body become for one
 * request. Compiled once at load (every problem reported with the scenario
 * file, line and field), filled per request without parsing.
 *
 * Placeholders (in paths, query strings, header values and body strings):
 *   {tenant}           the picked tenant's id (by rows, or uniformly with `tenant: uniform`)
 *   {TABLE.id}         an id of a TABLE row that belongs to the picked tenant, from the
 *                      manifest's `ranges: { TABLE: [firstId, count] }` (uniform in the range)
 *   {uuid}             a random UUID v4 (seeded)
 *   {int:MIN:MAX}      a random integer in [MIN, MAX] (inclusive)
 *   {random:a|b|c}     one of the listed values, uniformly
 *   {seq}              a per-worker counter 0, 1, 2, … (unique within a worker)
 *   {{ and }}          a literal { or }
 *   ${NAME}            the environment variable NAME, read once at load (`${NAME:-default}`);
 *                      its value is a secret: redacted from every output
 *
 * In paths, substituted values are percent-encoded (environment values are
 * not). In a JSON body, a string that is exactly one numeric placeholder
 * (`"{int:1:5}"`, `"{orders.id}"`) becomes a JSON number.
 */
import { expandEnv } from '../core/env.js';
import { InputError, type Problem } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { parseYaml, type DocPath } from '../core/yaml-doc.js';
import type { Endpoint, HttpMethod, Scenario, TenantPick } from '../scenario/scenario.js';
import type { TenantRow, TenantTable } from './tenants.js';

/** What a template reads while it is filled. */
export interface FillContext {
  rng: Rng;
  tenant: TenantRow | null;
  /** Per-worker request counter. */
  seq: number;
}

type Part = string | ((ctx: FillContext) => string);

/** A compiled string template. */
export interface Template {
  parts: Part[];
  /** The text when there is no placeholder (fast path). */
  constant: string | null;
  usesTenant: boolean;
  /** Tables named by `{TABLE.id}` placeholders. */
  tables: string[];
  /** True when the template is exactly one placeholder that always yields an integer. */
  numeric: boolean;
}

const TOKEN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\{\{|\}\}|\{([^{}]*)\}/g;
const TABLE_ID = /^([A-Za-z_][A-Za-z0-9_]*)\.id$/;

/** The placeholders a template may use, for error messages. */
export const PLACEHOLDER_HELP = '{tenant}, {TABLE.id}, {uuid}, {int:MIN:MAX}, {random:a|b|c}, {seq}';

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

/** A UUID v4 from a seeded source. */
export const randomUuid = (rng: Rng): string => {
  const w = (): number => Math.floor(rng() * 0x1_0000_0000);
  const a = w();
  const b = w();
  const c = w();
  const d = w();
  return `${hex(a, 8)}-${hex(b >>> 16, 4)}-${hex(((b & 0x0fff) | 0x4000) >>> 0, 4)}-${hex(((c >>> 16) & 0x3fff) | 0x8000, 4)}-${hex(c & 0xffff, 4)}${hex(d, 8)}`;
};

interface PlaceholderFn { fn: (ctx: FillContext) => string; tenant: boolean; table: string | null; numeric: boolean }

const placeholder = (inner: string): PlaceholderFn | string => {
  const name = inner.trim();
  if (name === 'tenant') return { fn: (ctx) => ctx.tenant?.id ?? '', tenant: true, table: null, numeric: false };
  if (name === 'uuid') return { fn: (ctx) => randomUuid(ctx.rng), tenant: false, table: null, numeric: false };
  if (name === 'seq') return { fn: (ctx) => String(ctx.seq), tenant: false, table: null, numeric: true };
  const tm = TABLE_ID.exec(name);
  if (tm) {
    const table = tm[1] as string;
    return {
      fn: (ctx) => {
        const r = ctx.tenant?.ranges?.[table];
        return r === undefined || r[1] <= 0 ? '' : String(r[0] + Math.floor(ctx.rng() * r[1]));
      },
      tenant: true, table, numeric: true,
    };
  }
  if (name.startsWith('int:')) {
    const m = /^int:(-?\d+):(-?\d+)$/.exec(name);
    const lo = Number(m?.[1]);
    const hi = Number(m?.[2]);
    if (!m || !(hi >= lo)) return `"{${inner}}" must be {int:MIN:MAX} with whole numbers MIN <= MAX`;
    return { fn: (ctx) => String(lo + Math.floor(ctx.rng() * (hi - lo + 1))), tenant: false, table: null, numeric: true };
  }
  if (name.startsWith('random:')) {
    const options = name.slice('random:'.length).split('|');
    if (options.length === 0 || options.some((o) => o === '')) return `"{${inner}}" must list values: {random:a|b|c}`;
    return { fn: (ctx) => options[Math.min(options.length - 1, Math.floor(ctx.rng() * options.length))] as string, tenant: false, table: null, numeric: false };
  }
  return `unknown placeholder "{${inner}}"; expected one of ${PLACEHOLDER_HELP} (write {{ for a literal brace)`;
};

/**
 * Compiles one string. `encode` percent-encodes substituted values (paths).
 * Returns the template, or the problems found (messages without location).
 */
export const compileTemplate = (
  text: string,
  opts: { encode?: boolean; env?: NodeJS.ProcessEnv } = {},
): { ok: true; template: Template } | { ok: false; messages: string[] } => {
  const parts: Part[] = [];
  const messages: string[] = [];
  const tables = new Set<string>();
  let usesTenant = false;
  let literal = '';
  let last = 0;
  let placeholders = 0;
  let numericOnly = false;
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m !== null; m = TOKEN.exec(text)) {
    literal += text.slice(last, m.index);
    last = TOKEN.lastIndex;
    const all = m[0];
    if (all === '{{') literal += '{';
    else if (all === '}}') literal += '}';
    else if (all.startsWith('$')) {
      const ex = expandEnv(all, opts.env ?? process.env);
      if (ex.ok) literal += ex.value;
      else messages.push(`environment variable ${ex.missing.join(', ')} is not set (referenced as ${all})`);
    } else {
      const p = placeholder(m[3] ?? '');
      if (typeof p === 'string') {
        messages.push(p);
        continue;
      }
      if (literal !== '') parts.push(literal);
      literal = '';
      placeholders++;
      numericOnly = p.numeric;
      usesTenant ||= p.tenant;
      if (p.table !== null) tables.add(p.table);
      const fn = p.fn;
      parts.push(opts.encode ? (ctx: FillContext) => encodeURIComponent(fn(ctx)) : fn);
    }
  }
  literal += text.slice(last);
  if (literal !== '') parts.push(literal);
  if (messages.length > 0) return { ok: false, messages };
  const constant = parts.every((p) => typeof p === 'string') ? parts.join('') : null;
  return {
    ok: true,
    template: { parts, constant, usesTenant, tables: [...tables], numeric: placeholders === 1 && parts.length === 1 && numericOnly },
  };
};

/** Fills a compiled template. */
export const fillTemplate = (t: Template, ctx: FillContext): string => {
  if (t.constant !== null) return t.constant;
  let out = '';
  for (const p of t.parts) out += typeof p === 'string' ? p : p(ctx);
  return out;
};

/** A body template: JSON (object, list, number…) or raw text (a YAML string). */
export type BodyTemplate =
  | { kind: 'json'; fill: (ctx: FillContext) => string; usesTenant: boolean; tables: string[] }
  | { kind: 'text'; template: Template };

/** One endpoint ready to fill: every string compiled. */
export interface RequestTemplate {
  endpoint: string;
  method: HttpMethod;
  path: Template;
  headers: [string, Template][];
  body: BodyTemplate | null;
  /** How its tenant is picked, or null when nothing in it names a tenant. */
  tenant: TenantPick | null;
  /** Tables whose ids the tenant must have (`{TABLE.id}`). */
  tables: string[];
  timeoutMs: number | null;
  /** Relative weight. */
  weight: number;
}

/** The filled parts of one request. */
export interface FilledRequest { path: string; headers: Record<string, string> | undefined; body: string | undefined }

/** Fills every part of a request template. */
export const fillRequest = (t: RequestTemplate, ctx: FillContext): FilledRequest => {
  let headers: Record<string, string> | undefined;
  if (t.headers.length > 0) {
    headers = {};
    for (const [k, v] of t.headers) headers[k] = fillTemplate(v, ctx);
  }
  const body = t.body === null ? undefined : t.body.kind === 'json' ? t.body.fill(ctx) : fillTemplate(t.body.template, ctx);
  return { path: fillTemplate(t.path, ctx), headers, body };
};

type Locate = (path: DocPath, message: string) => void;

const compileJsonBody = (value: unknown, path: DocPath, report: Locate, env: NodeJS.ProcessEnv): BodyTemplate | null => {
  let usesTenant = false;
  const tables = new Set<string>();
  let dynamic = false;
  // Build a tree of fillers mirroring the value; constant leaves stay values.
  const build = (v: unknown, p: DocPath): ((ctx: FillContext) => unknown) | { value: unknown } => {
    if (typeof v === 'string') {
      const c = compileTemplate(v, { env });
      if (!c.ok) {
        for (const m of c.messages) report(p, m);
        return { value: v };
      }
      const t = c.template;
      if (t.constant !== null) return { value: t.constant };
      dynamic = true;
      usesTenant ||= t.usesTenant;
      for (const tb of t.tables) tables.add(tb);
      return t.numeric ? (ctx) => Number(fillTemplate(t, ctx)) : (ctx) => fillTemplate(t, ctx);
    }
    if (Array.isArray(v)) {
      const items = v.map((x, i) => build(x, [...p, i]));
      return items.every((x) => typeof x !== 'function')
        ? { value: items.map((x) => (x).value) }
        : (ctx) => items.map((x) => (typeof x === 'function' ? x(ctx) : x.value));
    }
    if (typeof v === 'object' && v !== null) {
      const entries = Object.entries(v).map(([k, x]) => [k, build(x, [...p, k])] as const);
      return entries.every(([, x]) => typeof x !== 'function')
        ? { value: Object.fromEntries(entries.map(([k, x]) => [k, (x as { value: unknown }).value])) }
        : (ctx) => Object.fromEntries(entries.map(([k, x]) => [k, typeof x === 'function' ? x(ctx) : x.value]));
    }
    return { value: v };
  };
  const root = build(value, path);
  if (!dynamic || typeof root !== 'function') {
    const text = JSON.stringify((root as { value: unknown }).value);
    return { kind: 'json', fill: () => text, usesTenant: false, tables: [] };
  }
  return { kind: 'json', fill: (ctx) => JSON.stringify(root(ctx)), usesTenant, tables: [...tables] };
};

/**
 * Compiles every endpoint of a scenario. Problems (unknown placeholders,
 * unset environment variables, `{tenant}` without tenants, `{TABLE.id}`
 * without id ranges) are collected with the scenario file, line and field
 * and thrown together as one InputError.
 */
export const compileScenarioRequests = (
  scenario: Scenario,
  tenants: TenantTable | null,
  env: NodeJS.ProcessEnv = process.env,
): RequestTemplate[] => {
  const file = scenario.file ?? '<scenario>';
  const doc = parseYaml(scenario.sourceText, file);
  const problems: Problem[] = [];
  const report: Locate = (path, message) => {
    problems.push({ file, line: doc.lineOf(path), field: path.reduce<string>((a, p) => (typeof p === 'number' ? `${a}[${p}]` : a === '' ? p : `${a}.${p}`), ''), message });
  };
  const str = (text: string, path: DocPath, encode: boolean): Template | null => {
    const c = compileTemplate(text, { encode, env });
    if (!c.ok) {
      for (const m of c.messages) report(path, m);
      return null;
    }
    return c.template;
  };
  const out = scenario.endpoints.map((e: Endpoint, i): RequestTemplate | null => {
    const base: DocPath = ['endpoints', i];
    const path = str(e.path, [...base, 'path'], true);
    const headers: [string, Template][] = [];
    for (const [k, v] of Object.entries(e.headers)) {
      const t = str(v, [...base, 'headers', k], false);
      if (t) headers.push([k, t]);
    }
    let body: BodyTemplate | null = null;
    if (e.body !== undefined && e.body !== null) {
      if (typeof e.body === 'string') {
        const t = str(e.body, [...base, 'body'], false);
        body = t === null ? null : { kind: 'text', template: t };
      } else {
        body = compileJsonBody(e.body, [...base, 'body'], report, env);
        if (!headers.some(([k]) => k.toLowerCase() === 'content-type')) headers.push(['content-type', { parts: ['application/json'], constant: 'application/json', usesTenant: false, tables: [], numeric: false }]);
      }
    }
    if (path === null) return null;
    const all = [path, ...headers.map(([, t]) => t)];
    const usesTenant = all.some((t) => t.usesTenant) || (body?.kind === 'json' ? body.usesTenant : (body?.template.usesTenant ?? false));
    const tables = [...new Set([...all.flatMap((t) => t.tables), ...(body === null ? [] : body.kind === 'json' ? body.tables : body.template.tables)])];
    if (usesTenant && tenants === null) {
      report([...base, 'path'], 'uses {tenant} but there are no tenants: pass --data DIR (a dataset from `prodshape generate`) or set `tenants:` in the scenario');
    }
    if (tenants !== null) {
      for (const tb of tables) {
        if (!tenants.tenants.some((t) => (t.ranges?.[tb]?.[1] ?? 0) > 0)) {
          report([...base, 'path'], `uses {${tb}.id} but the dataset gives no id ranges for table "${tb}" (manifest tenants[].ranges.${tb})`);
        }
      }
      if (usesTenant && e.tenant === 'weighted' && tenants.totalRows <= 0) {
        report([...base, 'tenant'], 'every tenant has zero rows, so none can be picked by rows; set `tenant: uniform`');
      }
    }
    return { endpoint: e.name, method: e.method, path, headers, body, tenant: usesTenant ? e.tenant : null, tables, timeoutMs: e.timeoutMs, weight: e.weight };
  });
  if (scenario.endpoints.length === 0) report(['endpoints'], 'a replay needs at least one endpoint');
  if (problems.length > 0) throw new InputError(problems);
  return out.filter((t): t is RequestTemplate => t !== null);
};
