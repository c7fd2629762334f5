/**
 * Ids remapped onto a generated dataset, so production ids never reach staging.
 *
 * Tenants keep their popularity: the log's k-th most requested tenant becomes
 * the dataset's k-th largest tenant (by rows: the engine's TenantTable from
 * manifest.json, with its size classes); with more
 * tenants in the log than in the dataset, ranks are scaled down
 * proportionally. Other path ids (`{orders.id}`) become ids of that table that
 * belong to the mapped tenant when the manifest gives the tenant's id range
 * for the table, and otherwise a pseudonym of the same shape (digits → as many
 * digits, UUID → UUID, hex → hex), derived from a keyed hash, so the same
 * production id always becomes the same staging id (caches behave alike).
 * Id-like query values are remapped too (tenant keys to the tenant; numbers
 * of up to 5 digits only under id keys such as `order_id`, so `page=2` stays).
 *
 * Without a dataset, ids pass through unchanged and tenant classes rank
 * tenants by their requests in the log (the same thresholds as for rows).
 */
import type { TenantClass } from '../../run/format.js';
import { classifyTenants, type TenantTable } from '../tenants.js';
import { isIdLike, type PathId } from './template.js';

/** FNV-1a, 32 bits. */
const fnv1a = (s: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
};

/** A small seeded generator (mulberry32) for pseudonym characters. */
const mulberry = (seed: number): (() => number) => {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

const HEXCH = '0123456789abcdef';
const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A deterministic stand-in of the same shape as `value` (keyed by `key`). */
export const pseudonym = (value: string, key: string): string => {
  const rnd = mulberry(fnv1a(`${key}\u0000${value}`));
  const pick = (chars: string): string => chars[Math.floor(rnd() * chars.length)] as string;
  if (/^\d+$/.test(value)) {
    let out = value.length > 1 ? pick('123456789') : pick('0123456789');
    while (out.length < value.length) out += pick('0123456789');
    return out;
  }
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) {
    const hex = Array.from({ length: 32 }, () => pick(HEXCH)).join('');
    const u = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${pick('89ab')}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
    return value === value.toUpperCase() ? u.toUpperCase() : u;
  }
  if (/^[0-9a-f]+$/i.test(value)) {
    const out = Array.from(value, () => pick(HEXCH)).join('');
    return value === value.toUpperCase() ? out.toUpperCase() : out;
  }
  const us = value.indexOf('_');
  const prefix = us > 0 && us <= 8 ? value.slice(0, us + 1) : '';
  return prefix + Array.from(value.slice(prefix.length), () => pick(ALNUM)).join('');
};

/** Query keys whose id-like values name the tenant. */
const TENANT_KEYS = /^(tenant|account|org|organization|organisation|customer|workspace|company|team)(_?id)?$/i;
/** Query keys that hold ids whatever their values look like. */
const ID_KEYS = /(^|[_-])ids?$|[a-z]Ids?$/;

/** A query value to remap: any id-like value under an id key; elsewhere ids, but not small numbers (`page=2`, `limit=50`). */
export const isQueryId = (k: string, v: string): boolean =>
  isIdLike(v) && (TENANT_KEYS.test(k) || ID_KEYS.test(k) || !/^\d{1,5}$/.test(v));

/** What a remap did, counted. */
export interface RemapStats {
  /** Distinct log tenants seen. */
  tenants: number;
  /** Path or query ids mapped into the tenant's own id range of a dataset table. */
  idsInRange: number;
  /** Ids replaced by same-shape pseudonyms (no range known for their table). */
  idsPseudonymized: number;
}

/** Rewrites the ids of one request. */
export interface IdRemapper {
  readonly stats: RemapStats;
  /** Ids found in the path by the templater; returns the target to send and the tenant it names. */
  remap(target: string, ids: readonly PathId[]): { target: string; tenant: string | null; tenantClass: TenantClass };
}

/**
 * Creates a remapper. `logTenants` lists the log's tenants, most requested
 * first, with their request counts (a first pass over the log); `table` is
 * the dataset (null: ids pass through).
 */
export const createIdRemapper = (opts: { table: TenantTable | null; logTenants: readonly string[]; logTenantCounts: readonly number[]; seed: number | string }): IdRemapper => {
  const dir = opts.table;
  const logTenantRanks = new Map<string, number>();
  opts.logTenants.forEach((t, i) => logTenantRanks.set(t, i));
  const logClasses = classifyTenants(opts.logTenantCounts);
  const key = String(opts.seed);
  const m = logTenantRanks.size;
  const stats: RemapStats = { tenants: m, idsInRange: 0, idsPseudonymized: 0 };
  /** Dataset index of a log tenant. */
  const datasetIndex = (value: string): number => {
    const n = (dir as TenantTable).tenants.length;
    const r = logTenantRanks.get(value);
    if (r === undefined) return fnv1a(`${key}\u0000${value}`) % n;
    return m <= n ? r : Math.floor((r * n) / m);
  };
  const mapId = (value: string, table: string | null, tenantIdx: number | null): string => {
    const range = tenantIdx === null || table === null ? undefined : dir?.tenants[tenantIdx]?.ranges?.[table];
    if (range !== undefined && range[1] > 0) {
      stats.idsInRange++;
      return String(range[0] + (fnv1a(`${key}\u0000${value}`) % range[1]));
    }
    stats.idsPseudonymized++;
    return pseudonym(value, key);
  };
  return {
    stats,
    remap(target, ids) {
      const tenantId = ids.find((i) => i.name === 'tenant')?.value ?? null;
      if (dir === null || dir.tenants.length === 0) {
        const r = tenantId === null ? undefined : logTenantRanks.get(tenantId);
        return { target, tenant: tenantId, tenantClass: tenantId === null ? 'none' : r === undefined ? 'rest' : (logClasses[r] ?? 'rest') };
      }
      const q = target.indexOf('?');
      const segs = (q < 0 ? target : target.slice(0, q)).split('/');
      let tIdx: number | null = null;
      for (const id of ids) if (id.name === 'tenant') tIdx = datasetIndex(id.value);
      for (const id of ids) {
        const nv = id.name === 'tenant' ? (dir.tenants[tIdx as number]?.id as string) : mapId(id.value, id.name.endsWith('.id') || /\.id\d+$/.test(id.name) ? id.name.replace(/\.id\d*$/, '') : null, tIdx);
        segs[id.segment] = nv + id.suffix;
      }
      let query = q < 0 ? '' : target.slice(q + 1);
      if (query !== '') {
        query = query
          .split('&')
          .map((pair) => {
            const eq = pair.indexOf('=');
            if (eq < 0) return pair;
            const k = pair.slice(0, eq);
            const v = pair.slice(eq + 1);
            if (!isQueryId(k, v)) return pair;
            if (TENANT_KEYS.test(k)) {
              const idx = datasetIndex(v);
              if (tIdx === null) tIdx = idx;
              return `${k}=${dir.tenants[idx]?.id as string}`;
            }
            return `${k}=${mapId(v, null, tIdx)}`;
          })
          .join('&');
      }
      const path = segs.join('/');
      return {
        target: q < 0 ? path : `${path}?${query}`,
        tenant: tIdx === null ? null : (dir.tenants[tIdx]?.id as string),
        tenantClass: tIdx === null ? 'none' : (dir.classes[tIdx] as TenantClass),
      };
    },
  };
};
