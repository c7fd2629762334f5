/**
 * The plan of a dataset: everything decided before any row is made, from the
 * spec, the seed and the scale alone. Row counts per table, tenant ages and
 * signups, each tenant's Zipf rank, and each per-tenant table's count and
 * first row index per tenant (rows are laid out tenant by tenant, in tenant
 * id order, so a tenant's rows have consecutive ids).
 */
import { inputError } from '../core/errors.js';
import { createRng } from '../core/rng.js';
import { MONTH_MS, type DataSpec, type TableSpec } from '../scenario/data-spec.js';
import { drawAgesMonths, rankBySizeKey } from './ages.js';
import { apportion, zipfShares } from './zipf.js';

/** Row counts of one table, and its layout over tenants when it has per_tenant. */
export interface TablePlan {
  spec: TableSpec;
  rows: number;
  /** Rows of tenant t (per-tenant tables only). */
  counts: Float64Array | null;
  /** Row index of tenant t's first row; length tenants + 1 (last = rows). */
  first: Float64Array | null;
}

export interface TenantPlan {
  /** Number of tenants (rows of the tenant table). */
  count: number;
  /** Age in months at `now`, per tenant index. */
  ageMonths: Float64Array;
  /** Signup time (epoch ms, whole seconds) per tenant index. */
  signupMs: Float64Array;
  /** Zipf rank per tenant index (0 = largest). */
  rank: Uint32Array;
}

export interface DataPlan {
  spec: DataSpec;
  seed: number | string;
  scale: number;
  tenants: TenantPlan | null;
  tables: TablePlan[];
  byName: Map<string, TablePlan>;
}

/** Most rows one table may have (row indexes are hashed as 32-bit integers). */
export const MAX_TABLE_ROWS = 4_000_000_000;

/** Rows of `t` at `scale` (at least 1). */
export const scaledRows = (t: TableSpec, scale: number): number => (t.scale ? Math.max(1, Math.round(t.rows * scale)) : t.rows);

const tooBig = (t: TableSpec, rows: number): Error =>
  inputError(`${t.source.field}.rows`, `${rows} rows at this --scale is more than the ${MAX_TABLE_ROWS} a table may have`, { file: t.source.file, line: t.source.line, hint: 'lower --scale' });

/** Builds the plan; throws an InputError when the scale makes the spec impossible. */
export const planData = (spec: DataSpec, seed: number | string, scale: number): DataPlan => {
  const tenantSpec = spec.tenantTable === null ? undefined : spec.tables.find((t) => t.name === spec.tenantTable);
  let tenants: TenantPlan | null = null;
  if (tenantSpec !== undefined) {
    const count = scaledRows(tenantSpec, scale);
    const ageMonths = drawAgesMonths(createRng(seed, 'data/ages'), count, spec.ages);
    const signupMs = new Float64Array(count);
    for (let t = 0; t < count; t++) signupMs[t] = Math.floor((spec.nowMs - (ageMonths[t] ?? 0) * MONTH_MS) / 1000) * 1000;
    const rank = rankBySizeKey(ageMonths, spec.ages.sizeCorrelation, createRng(seed, 'data/size-rank'));
    tenants = { count, ageMonths, signupMs, rank };
  }
  const tables = spec.tables.map((t): TablePlan => {
    if (t.perTenant === null || tenants === null) {
      const rows = t.name === spec.tenantTable && tenants !== null ? tenants.count : scaledRows(t, scale);
      if (rows > MAX_TABLE_ROWS) throw tooBig(t, rows);
      return { spec: t, rows, counts: null, first: null };
    }
    const rows = scaledRows(t, scale);
    if (rows > MAX_TABLE_ROWS) throw tooBig(t, rows);
    const n = tenants.count;
    if (t.perTenant.min * n > rows) {
      throw inputError(`${t.source.field}.per_tenant.min`, `${t.perTenant.min} rows for each of ${n} tenants is more than the ${rows} rows of ${t.name} at --scale ${scale}`, {
        file: t.source.file, line: t.source.line, hint: 'lower the minimum, or let the table scale with the tenants',
      });
    }
    const byRank = apportion(zipfShares(n, t.perTenant.zipf), rows, t.perTenant.min);
    const counts = new Float64Array(n);
    const first = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) {
      counts[i] = byRank[tenants.rank[i] ?? 0] ?? 0;
      first[i + 1] = (first[i] ?? 0) + (counts[i] ?? 0);
    }
    return { spec: t, rows, counts, first };
  });
  return { spec, seed, scale, tenants, tables, byName: new Map(tables.map((t) => [t.spec.name, t])) };
};

/** Tenant index owning row `i` of a per-tenant table (binary search over `first`). */
export const tenantOfRow = (first: Float64Array, i: number): number => {
  let lo = 0;
  let hi = first.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if ((first[mid] ?? 0) <= i) lo = mid;
    else hi = mid - 1;
  }
  return lo;
};
