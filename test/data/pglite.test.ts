/**
 * Loading into PGlite (in-process PostgreSQL), as the embedded demo does:
 * counts per tenant as the manifest says, keys and indexes, refusal of
 * non-empty tables unless replace.
 */
import { PGlite } from '@electric-sql/pglite';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadIntoPglite } from '../../src/data/index.js';
import { InputError } from '../../src/core/errors.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';

const SAAS = join(PACKAGE_ROOT, 'scenarios/saas-orders.yaml');

describe('loading into PGlite', () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await PGlite.create();
  });
  afterAll(async () => {
    await db.close();
  });

  it('loads the default scenario with the expected counts per tenant', async () => {
    const m = await loadIntoPglite(db, SAAS, { scale: 0.1, seed: 2 });
    expect(m.tables).toEqual({ tenants: 200, accounts: 2000, orders: 18_400 });
    const rows = (await db.query<{ tenant_id: string; n: number }>('SELECT tenant_id::text, count(*)::int AS n FROM orders GROUP BY 1')).rows;
    const got = new Map(rows.map((r) => [r.tenant_id, r.n]));
    expect(m.tenants.every((t) => got.get(t.id) === t.rows)).toBe(true);
    const idx = (await db.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1")).rows.map((r) => r.indexname);
    expect(idx).toEqual(['accounts_pkey', 'accounts_tenant_id_idx', 'orders_created_at_idx', 'orders_pkey', 'orders_tenant_id_idx', 'tenants_pkey']);
  });

  it('refuses non-empty tables unless replace', async () => {
    await expect(loadIntoPglite(db, SAAS, { scale: 0.05 })).rejects.toBeInstanceOf(InputError);
    const m = await loadIntoPglite(db, SAAS, { scale: 0.05, replace: true });
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM orders')).rows[0]?.n).toBe(m.tables.orders);
  });
});
