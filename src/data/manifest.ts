/**
 * manifest.json, written by `prodshape generate` beside the dataset and read by
 * replay (tenant picking), k6 export and the observers (EXPLAIN parameters).
 * Stable contract (DESIGN.md "manifest.json"): `seed`, `scenario`, `tables`
 * and `tenants` (every tenant with its row count in the main per-tenant table).
 */
import { readFile } from 'node:fs/promises';
import { inputError } from '../core/errors.js';

export interface ManifestTenant {
  id: string;
  /** Rows in the main per-tenant table (e.g. orders). */
  rows: number;
  /** Signup time (ISO 8601), when the dataset models account ages. */
  signup_at?: string;
  /**
   * Id ranges per table for rows generated tenant by tenant with sequential
   * ids: `[first id, count]`. Lets `{orders.id}`-style placeholders draw ids
   * that belong to the picked tenant.
   */
  ranges?: Record<string, [number, number]>;
  [key: string]: unknown;
}

export interface Manifest {
  seed: number | string;
  scenario: string;
  scale?: number;
  scenario_hash?: string;
  format?: 'csv' | 'ndjson' | 'postgres';
  /** Row count per table. */
  tables: Record<string, number>;
  /** The per-tenant table whose counts `tenants[].rows` gives. */
  tenant_table?: string;
  tenants: ManifestTenant[];
  summary?: Record<string, unknown>;
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
