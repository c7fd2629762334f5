/**
 * The fixed part of every exported k6 script: filling prodshape's request
 * templates and picking tenants, inside k6. It mirrors traffic/template.ts
 * (the placeholder syntax, percent-encoding in paths, numeric JSON
 * placeholders) and traffic/tenants.ts (binary search over cumulative
 * weights); the script cannot import prodshape, so this is the one place the
 * filling is written twice, and the k6 tests compare the two.
 *
 * Kept as TypeScript source text: no template literals or `${` inside it
 * (the text is a String.raw template), only string concatenation.
 */

/** The helper functions, appended to every script (TypeScript, typed against @types/k6). */
export const RUNTIME_SOURCE = String.raw`// ---------------------------------------------------------------- templates

/**
 * A request template, compiled once per VU into literal text and placeholders.
 * The syntax is prodshape's (` + '`prodshape replay`' + String.raw` fills the same templates):
 *   {tenant}          the picked tenant's id
 *   {TABLE.id}        an id of one of that tenant's TABLE rows (its range in the dataset)
 *   {uuid}            a random UUID v4
 *   {int:MIN:MAX}     a random integer in [MIN, MAX]
 *   {random:a|b|c}    one of the values
 *   {seq}             a counter per VU: 0, 1, 2, ...
 *   {{ and }}         a literal { or }
 *   $` + '{NAME}' + String.raw`           the environment variable NAME ($` + '{NAME:-default}' + String.raw`), read when the VU starts
 * In paths, substituted values are percent-encoded. In a JSON body, a string that
 * is exactly one numeric placeholder ("{int:1:5}", "{orders.id}") becomes a number.
 */
type Placeholder =
  | { kind: 'tenant' }
  | { kind: 'uuid' }
  | { kind: 'seq' }
  | { kind: 'id'; table: string }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'random'; values: string[] };

interface Template {
  parts: (string | Placeholder)[];
  /** True when the template is exactly one placeholder that always yields an integer. */
  numeric: boolean;
}

/** What one request's placeholders read: its tenant and its sequence number. */
interface RequestContext {
  tenant: TenantRow | null;
  seq: number;
}

function compileTemplate(text: string): Template {
  // $` + '{NAME}' + String.raw`, {{, }} or {placeholder}. Local, not a module constant: templates are compiled
  // while the module is still initialising, above this point.
  const TOKEN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\{\{|\}\}|\{([^{}]*)\}/g;
  const parts: (string | Placeholder)[] = [];
  let literal = '';
  let last = 0;
  let placeholders = 0;
  for (let m = TOKEN.exec(text); m !== null; m = TOKEN.exec(text)) {
    literal += text.slice(last, m.index);
    last = TOKEN.lastIndex;
    const token = m[0];
    if (token === '{{') literal += '{';
    else if (token === '}}') literal += '}';
    else if (token.charAt(0) === '$') literal += envValue(m[1] ?? '', m[2]);
    else {
      if (literal !== '') parts.push(literal);
      literal = '';
      parts.push(parsePlaceholder((m[3] ?? '').trim()));
      placeholders++;
    }
  }
  literal += text.slice(last);
  if (literal !== '') parts.push(literal);
  const only = parts[0];
  const numeric = placeholders === 1 && parts.length === 1 && typeof only === 'object' && (only.kind === 'seq' || only.kind === 'id' || only.kind === 'int');
  return { parts, numeric };
}

function parsePlaceholder(name: string): Placeholder {
  if (name === 'tenant') return { kind: 'tenant' };
  if (name === 'uuid') return { kind: 'uuid' };
  if (name === 'seq') return { kind: 'seq' };
  const table = /^([A-Za-z_][A-Za-z0-9_]*)\.id$/.exec(name);
  if (table !== null) return { kind: 'id', table: table[1] ?? '' };
  const int = /^int:(-?\d+):(-?\d+)$/.exec(name);
  if (int !== null) return { kind: 'int', min: Number(int[1]), max: Number(int[2]) };
  if (name.indexOf('random:') === 0) return { kind: 'random', values: name.slice('random:'.length).split('|') };
  throw new Error('prodshape: unknown placeholder {' + name + '}');
}

function placeholderValue(p: Placeholder, ctx: RequestContext): string {
  switch (p.kind) {
    case 'tenant':
      return ctx.tenant === null ? '' : ctx.tenant[0];
    case 'uuid':
      return uuid();
    case 'seq':
      return String(ctx.seq);
    case 'id': {
      const ranges = ctx.tenant === null ? null : ctx.tenant[4];
      const range = ranges === null ? undefined : ranges[p.table];
      return range === undefined || range[1] <= 0 ? '' : String(range[0] + Math.floor(Math.random() * range[1]));
    }
    case 'int':
      return String(p.min + Math.floor(Math.random() * (p.max - p.min + 1)));
    case 'random':
      return p.values[Math.floor(Math.random() * p.values.length)] ?? '';
  }
}

/** Fills a template for one request; encode for URLs. */
function fill(t: Template, ctx: RequestContext, encode: boolean): string {
  let out = '';
  for (const p of t.parts) {
    if (typeof p === 'string') out += p;
    else {
      const value = placeholderValue(p, ctx);
      out += encode ? encodeURIComponent(value) : value;
    }
  }
  return out;
}

/** A JSON body template: each string compiled, the shape kept. */
function compileJson(value: unknown): (ctx: RequestContext) => unknown {
  if (typeof value === 'string') {
    const t = compileTemplate(value);
    return t.numeric ? (ctx) => Number(fill(t, ctx, false)) : (ctx) => fill(t, ctx, false);
  }
  if (Array.isArray(value)) {
    const items = value.map((v: unknown) => compileJson(v));
    return (ctx) => items.map((f) => f(ctx));
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value).map((k) => ({ key: k, fill: compileJson((value as Record<string, unknown>)[k]) }));
    return (ctx) => {
      const out: Record<string, unknown> = {};
      for (const e of entries) out[e.key] = e.fill(ctx);
      return out;
    };
  }
  return () => value;
}

function uuid(): string {
  const word = (): number => Math.floor(Math.random() * 0x100000000);
  const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');
  const a = word();
  const b = word();
  const c = word();
  const d = word();
  return hex(a, 8) + '-' + hex(b >>> 16, 4) + '-' + hex(((b & 0x0fff) | 0x4000) >>> 0, 4) + '-' +
    hex(((c >>> 16) & 0x3fff) | 0x8000, 4) + '-' + hex(c & 0xffff, 4) + hex(d, 8);
}

/** The value of $` + '{NAME}' + String.raw` or $` + '{NAME:-default}' + String.raw`; a missing variable stops the test at start. */
function envValue(name: string, fallback: string | undefined): string {
  const value = __ENV[name];
  if (value !== undefined && value !== '') return value;
  if (fallback !== undefined) return fallback;
  throw new Error('prodshape: environment variable ' + name + ' is not set (k6 run -e ' + name + '=...)');
}

/** Expands only $` + '{NAME}' + String.raw` references (action hooks are sent as written otherwise). */
function expandEnv(text: string): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_whole: string, name: string, fallback?: string) => envValue(name, fallback));
}

// ---------------------------------------------------------------- picking

/** An endpoint with probability weight / total weight (no draw when there is only one, as in replay). */
function pickEndpoint(): PreparedEndpoint {
  if (ENDPOINTS.length === 1 && ENDPOINTS[0] !== undefined) return ENDPOINTS[0];
  const u = Math.random() * (ENDPOINT_CUMULATIVE[ENDPOINT_CUMULATIVE.length - 1] ?? 0);
  let i = 0;
  while (i < ENDPOINT_CUMULATIVE.length - 1 && (ENDPOINT_CUMULATIVE[i] ?? 0) <= u) i++;
  const endpoint = ENDPOINTS[i];
  if (endpoint === undefined) throw new Error('prodshape: no endpoints');
  return endpoint;
}

/**
 * A tenant for picker k: its weights are column 5 + k of each row, as running
 * sums, so a uniform draw in [0, total) and a binary search find a tenant with
 * probability proportional to its weight.
 */
function pickTenant(picker: number): TenantRow {
  const column = 5 + picker;
  const u = Math.random() * (PICKER_TOTALS[picker] ?? 0);
  let lo = 0;
  let hi = TENANTS.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((tenantAt(mid)[column] as number) > u) hi = mid;
    else lo = mid + 1;
  }
  return tenantAt(lo);
}

function tenantAt(i: number): TenantRow {
  const t = TENANTS[i];
  if (t === undefined) throw new Error('prodshape: no tenant at ' + i);
  return t;
}
`;
