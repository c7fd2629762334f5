/**
 * manifest.json, written by `prodshape generate` beside the dataset and read by
 * replay (tenant picking), k6 export and the observers (EXPLAIN parameters).
 * Stable contract (docs/design.md "manifest.json"): `seed`, `scenario`, `tables`
 * and `tenants` (every tenant with its row count in the main per-tenant table).
 */
import { readFile } from 'node:fs/promises';
import { inputError } from '../core/errors.js';

export interface ManifestTenant {
  id: string;
  /** Rows in the main per-tenant table (e.g. orders). */
  rows: number;
  /** Zipf rank of the tenant's size (1 = biggest). */
  rank?: number;
  /** Signup time (ISO 8601), when the dataset models account ages. */
  signup_at?: string;
  /**
   * Id ranges per table for rows generated tenant by tenant with sequential
   * ids: `[first id, count]`. Lets `{orders.id}`-style placeholders draw ids
   * that belong to the picked tenant. Only tables with sequential ids and
   * per_tenant have ranges (UUID ids are not a range).
   */
  ranges?: Record<string, [number, number]>;
  [key: string]: unknown;
}

/** How skewed the tenants are, over `tenant_table` rows per tenant. */
export interface ManifestSummary {
  tenants: number;
  rows: number;
  min: number;
  median: number;
  mean: number;
  p90: number;
  p99: number;
  max: number;
  /** Biggest tenant's rows over the median tenant's. */
  max_over_median: number;
  /** Gini coefficient of rows per tenant (0 even, → 1 one tenant holds all). */
  gini: number;
  /** Share of all rows held by the 10 biggest tenants. */
  top10_share: number;
  top10: { id: string; rows: number }[];
  /** Zipf exponent and minimum the sizes were apportioned with. */
  zipf_s: number;
  min_per_tenant: number;
  /** Tenant ages in months at `now`. */
  age_months?: { median: number; p90: number; max: number; older_than_3y_share: number };
}

export interface Manifest {
  seed: number | string;
  scenario: string;
  scale?: number;
  /** 16 hex digits of SHA-256 over the scenario's `data:` section. */
  scenario_hash?: string;
  format?: 'csv' | 'ndjson' | 'postgres' | 'mysql';
  /** The dataset's "now" (ISO 8601): timestamps lie before it. */
  now?: string;
  /** Row count per table. */
  tables: Record<string, number>;
  /** Data file per table (relative to the manifest), when written to files. */
  files?: Record<string, string>;
  /** The per-tenant table whose counts `tenants[].rows` gives. */
  tenant_table?: string;
  /** The table of tenants, whose id column gives `tenants[].id`. */
  tenants_table?: string;
  tenants: ManifestTenant[];
  summary?: ManifestSummary | Record<string, unknown>;
  /** What made the dataset (versions matter: faker pools differ across faker versions). */
  generator?: { prodshape: string; faker: string | null };
  [key: string]: unknown;
}

/** Reads and minimally validates a manifest.json (the fields other stages rely on). */
export const readManifest = async (file: string): Promise<Manifest> => {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw inputError('', 'cannot read the dataset manifest', { file, hint: 'run `prodshape generate --out DIR` first, then pass --data DIR' });
  }
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch (e) {
    throw inputError('', `not valid JSON (${(e as Error).message})`, { file });
  }
  const o = m as Partial<Manifest>;
  if (typeof o !== 'object' || o === null || !Array.isArray(o.tenants) || typeof o.tables !== 'object') {
    throw inputError('tenants', 'expected a manifest with `tables` and a `tenants` list', { file });
  }
  o.tenants.forEach((t, i) => {
    if (typeof t?.id !== 'string' && typeof t?.id !== 'number') throw inputError(`tenants[${i}].id`, 'expected a tenant id', { file });
    if (typeof t.rows !== 'number' || t.rows < 0) throw inputError(`tenants[${i}].rows`, 'expected a row count >= 0', { file });
    t.id = String(t.id);
  });
  return o as Manifest;
};
