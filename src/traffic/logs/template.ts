/**
 * Endpoint templates: a request path with its ids collapsed into placeholders,
 * so `/tenants/8812/orders/77?x=1` becomes `/tenants/{tenant}/orders/{orders.id}`.
 *
 * An id is a path segment that is a number, a UUID, a hex hash (8+ hex
 * digits with a digit), a long opaque token (16+ letters and digits, mixing
 * both), or one of those before a file extension (`1234.pdf`). The segment
 * after a tenant word (`tenants`, `accounts`, `orgs`, … or what
 * `--tenant-segment` names) is `{tenant}`; other ids are named after the
 * segment before them as `{that.id}` (the dataset's `{orders.id}` style), or
 * `{id}` at the start of the path. Query strings are not part of the template.
 */

/** Words after which an id is the tenant, by default (lower case). */
export const DEFAULT_TENANT_SEGMENTS = [
  'tenants', 'tenant', 'accounts', 'account', 'orgs', 'org', 'organizations', 'organization', 'organisations',
  'customers', 'customer', 'workspaces', 'workspace', 'companies', 'company', 'teams', 'team',
] as const;

/** How to collapse paths. */
export interface TemplateOptions {
  /**
   * Segments after which the next segment is the tenant. When the user names
   * them, any value there is the tenant (slugs too); with the defaults only
   * id-like values are.
   */
  tenantSegments?: readonly string[];
}

/** An id found in a path. */
export interface PathId {
  /** Placeholder name without braces: `tenant`, `orders.id`, `id`. */
  name: string;
  /** The value as logged. */
  value: string;
  /** Index of the segment in the path split on `/` (0 is the empty string before the first `/`). */
  segment: number;
  /** Text after the id in its segment (`.pdf` for `1234.pdf`), usually empty. */
  suffix: string;
}

/** A path reduced to its template. */
export interface PathTemplate {
  /** The template path (no query): `/tenants/{tenant}/orders`. */
  template: string;
  /** The ids, in path order. */
  ids: PathId[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX = /^[0-9a-f]{8,}$/i;
const TOKEN = /^[0-9A-Za-z]{16,}$/;
const PREFIXED = /^[a-z]{2,8}_[0-9A-Za-z]{8,}$/;
const EXT = /^(.+?)(\.[A-Za-z0-9]{1,6})$/;

const isDigits = (s: string): boolean => {
  if (s.length === 0 || s.length > 40) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
};

/** True when a whole segment (without extension) looks like an id. */
export const isIdLike = (seg: string): boolean => {
  if (isDigits(seg)) return true;
  if (seg.length < 8) return false;
  if (UUID.test(seg)) return true;
  if (HEX.test(seg) && /\d/.test(seg)) return true;
  if (TOKEN.test(seg)) {
    const digitsN = seg.replace(/\D/g, '').length;
    return digitsN >= 2 && seg.length - digitsN >= 2;
  }
  return PREFIXED.test(seg);
};

const nameOf = (word: string | undefined): string => {
  const w = (word ?? '').toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return w === '' || /^\d/.test(w) ? 'id' : `${w}.id`;
};

/**
 * A template maker: caches nothing across calls, allocates one array per path.
 * Returns the template of the path part of `target` (query ignored).
 */
export const createTemplater = (opts: TemplateOptions = {}): ((target: string) => PathTemplate) => {
  const explicit = opts.tenantSegments !== undefined;
  const tenantWords = new Set((opts.tenantSegments ?? DEFAULT_TENANT_SEGMENTS).map((w) => w.toLowerCase()));
  return (target) => {
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    const segs = path.split('/');
    const ids: PathId[] = [];
    let tenantSeen = false;
    let prevWord: string | undefined;
    for (let i = 1; i < segs.length; i++) {
      const seg = segs[i] as string;
      if (seg === '') continue;
      const afterTenantWord = !tenantSeen && prevWord !== undefined && tenantWords.has(prevWord.toLowerCase()) && i > 1 && segs[i - 1] === prevWord;
      let value = seg;
      let suffix = '';
      let id = isIdLike(seg);
      if (!id && !afterTenantWord) {
        const m = EXT.exec(seg);
        if (m && isIdLike(m[1] as string)) {
          value = m[1] as string;
          suffix = m[2] as string;
          id = true;
        }
      }
      if (afterTenantWord && (id || explicit)) {
        tenantSeen = true;
        ids.push({ name: 'tenant', value: seg, segment: i, suffix: '' });
        segs[i] = '{tenant}';
        prevWord = undefined;
        continue;
      }
      if (id) {
        let name = nameOf(prevWord);
        if (ids.some((x) => x.name === name)) name = `${name}${ids.filter((x) => x.name.startsWith(name)).length + 1}`;
        ids.push({ name, value, segment: i, suffix });
        segs[i] = `{${name}}${suffix}`;
        prevWord = undefined;
      } else {
        prevWord = seg;
      }
    }
    return { template: ids.length === 0 ? path : segs.join('/'), ids };
  };
};

/** `GET /tenants/{tenant}/orders` → `get-tenants-tenant-orders`: a scenario endpoint name (letters, digits, `-`, `.`). */
export const endpointName = (method: string, template: string): string => {
  const body = template
    .replace(/\{([a-z0-9_]+)(?:\.id\d*)?\}/gi, (_m, w: string) => (w === 'tenant' ? 'tenant' : 'id'))
    .replace(/[^A-Za-z0-9.]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .replace(/\.+/g, '.')
    .slice(0, 80)
    .replace(/[-.]+$/, '');
  return `${method.toLowerCase()}-${body === '' ? 'root' : body}`;
};

/**
 * Unique endpoint names for templates, in the order given (most requested
 * first, so the busiest keeps the plain name and later clashes get `-2`, `-3`).
 * `fit` and `replay --log` both name endpoints this way, so a replayed log and
 * a replay of its fitted scenario report the same names.
 */
export const nameTemplates = (templates: readonly { method: string; template: string }[]): string[] => {
  const used = new Set<string>();
  return templates.map((t) => {
    const base = endpointName(t.method, t.template);
    let name = base;
    for (let k = 2; used.has(name); k++) name = `${base}-${k}`;
    used.add(name);
    return name;
  });
};

/** Orders templates as both commands do: most requests first, then by method and template text. */
export const byPopularity = <T extends { method: string; template: string; requests: number }>(a: T, b: T): number =>
  b.requests - a.requests || a.template.localeCompare(b.template) || a.method.localeCompare(b.method);
