/**
 * Parameters for EXPLAIN from the dataset: the tenant-size buckets a plan is
 * fingerprinted for (the biggest tenant, the median tenant, an empty one;
 * plans legitimately differ by tenant size: docs/algorithms.md §9), and
 * the filling of a `plans:` entry's `params` templates for a bucket's tenant.
 *
 * Templates: `{tenant}` is the tenant id; `{TABLE.id}` is the first id of the
 * tenant's rows in TABLE (manifest `ranges`); anything else is literal. A plan
 * whose params name no placeholder is tenant-independent: one `fixed` bucket.
 */
import { readManifest, type Manifest } from '../data/manifest.js';
import { readTenantCsv, tenantsFromManifest, type TenantRow } from '../traffic/tenants.js';
import type { PlanQuery, TenantSource } from '../scenario/scenario.js';
import type { PlanBucket } from './files.js';

/** A tenant with its size in the main per-tenant table (and its id ranges per table, when the dataset records them). */
export type TenantSize = TenantRow;

export interface BucketTenant {
  bucket: Exclude<PlanBucket, 'fixed'>;
  tenant: TenantSize;
  /** True for an empty tenant made up because the dataset has none (an id that holds no rows). */
  synthetic: boolean;
}

/**
 * The biggest tenant, the median tenant (by rows, among tenants with rows) and
 * an empty tenant: one with zero rows if the dataset has one, else an id no
 * tenant has (max numeric id + 1, or `prodshape-empty-tenant`). The median is
 * left out when it would be the biggest (fewer than 3 tenants with rows).
 */
export const pickBuckets = (tenants: readonly TenantSize[]): BucketTenant[] => {
  const withRows = tenants.filter((t) => t.rows > 0).sort((a, b) => b.rows - a.rows || a.id.localeCompare(b.id));
  const out: BucketTenant[] = [];
  const biggest = withRows[0];
  if (biggest !== undefined) out.push({ bucket: 'biggest', tenant: biggest, synthetic: false });
  const median = withRows[Math.floor(withRows.length / 2)];
  if (withRows.length >= 3 && median !== undefined) out.push({ bucket: 'median', tenant: median, synthetic: false });
  const empty = tenants.find((t) => t.rows === 0);
  if (empty !== undefined) out.push({ bucket: 'empty', tenant: empty, synthetic: false });
  else if (tenants.length > 0) {
    const numeric = tenants.every((t) => /^\d+$/.test(t.id));
    const id = numeric ? String(tenants.reduce((m, t) => Math.max(m, Number(t.id)), 0) + 1) : 'prodshape-empty-tenant';
    out.push({ bucket: 'empty', tenant: { id, rows: 0 }, synthetic: true });
  }
  return out;
};

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)(?:\.([A-Za-z_][A-Za-z0-9_]*))?\}/g;

/** True when any of the plan's params names a dataset placeholder (`{tenant}`, `{orders.id}`). */
export const isTenantPlan = (plan: PlanQuery): boolean => plan.params.some((p) => new RegExp(PLACEHOLDER.source).test(p));

/** Fills a plan's params for a tenant; `{ error }` names the placeholder that cannot be filled. */
export const fillParams = (plan: PlanQuery, tenant: TenantSize | null): { values: string[] } | { error: string } => {
  const values: string[] = [];
  for (const p of plan.params) {
    let error: string | null = null;
    const v = p.replace(PLACEHOLDER, (all, a: string, b: string | undefined) => {
      if (tenant === null) {
        error = `${all} needs a tenant from the dataset (pass --data DIR or set tenants: in the scenario)`;
        return all;
      }
      if (b === undefined && a === 'tenant') return tenant.id;
      const range = b === 'id' ? tenant.ranges?.[a] : undefined;
      if (range !== undefined && range[1] > 0) return String(range[0]);
      error = b === 'id' ? `${all}: tenant ${tenant.id} has no ${a} rows with known ids` : `unknown placeholder ${all} (expected {tenant} or {TABLE.id})`;
      return all;
    });
    if (error !== null) return { error };
    values.push(v);
  }
  return { values };
};

/** The tenants to take parameters from: the manifest given, else the scenario's `tenants:` source, else none. */
export const loadTenants = async (manifest: Manifest | null, source: TenantSource | null): Promise<TenantSize[] | null> => {
  if (manifest !== null) return tenantsFromManifest(manifest);
  if (source === null) return null;
  if (source.kind === 'manifest') return tenantsFromManifest(await readManifest(source.path));
  return readTenantCsv(source.path, source.idColumn, source.rowsColumn);
};

/** One EXPLAIN to run for a plan: its bucket, tenant and filled params (or why it cannot run). */
export interface PlanTarget {
  plan: PlanQuery;
  bucket: PlanBucket;
  tenant: TenantSize | null;
  params: string[];
  error: string | null;
}

/** The EXPLAINs a plan needs: one per bucket for tenant plans, one `fixed` otherwise. */
export const planTargets = (plan: PlanQuery, tenants: readonly TenantSize[] | null): PlanTarget[] => {
  if (!isTenantPlan(plan)) return [{ plan, bucket: 'fixed', tenant: null, params: [...plan.params], error: null }];
  const buckets = tenants === null ? [] : pickBuckets(tenants);
  if (buckets.length === 0) {
    const r = fillParams(plan, null);
    return [{ plan, bucket: 'biggest', tenant: null, params: [], error: 'error' in r ? r.error : 'no tenants in the dataset' }];
  }
  return buckets.map((b) => {
    const r = fillParams(plan, b.tenant);
    return 'error' in r
      ? { plan, bucket: b.bucket, tenant: b.tenant, params: [], error: r.error }
      : { plan, bucket: b.bucket, tenant: b.tenant, params: r.values, error: null };
  });
};
