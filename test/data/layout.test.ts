/**
 * `sort_by`: a per-tenant table laid out in time order across tenants (as
 * production inserts rows) instead of tenant by tenant. Same rows, other
 * order; ids follow time; deterministic for any chunking; no id ranges in the
 * manifest for it; tables cannot refer to its sequential ids.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { parseScenario } from '../../src/scenario/scenario.js';
import { buildManifest } from '../../src/data/summary.js';
import { workerChunks } from '../../src/data/workers.js';
import { datasetOf, tableText } from './helpers.js';

const scenario = (sortBy: string, idKind = 'sequential', extra = ''): string => `name: layout
data:
  tenant_table: tenants
  main_table: orders
  tables:
    tenants:
      rows: 300
      columns:
        id: { id: sequential }
        created_at: { timestamp: { at: signup } }
    orders:
      rows: 30000
      per_tenant: { zipf: 0.9, min: 1 }
${sortBy}
      columns:
        id: { id: ${idKind} }
        tenant_id: { ref: tenants }
        status: { choice: { pending: 0.03, paid: 0.97 } }
        created_at: { timestamp: { from: signup, growth: 5% } }
${extra}`;

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const withoutId = (text: string): string[] => text.trim().split('\n').map((l) => l.slice(l.indexOf(',') + 1)).sort();

describe('sort_by: rows in time order across tenants', () => {
  it('holds the same rows as the tenant-by-tenant layout, ordered by time, with ids in that order', async () => {
    const byTenant = await datasetOf(scenario(''), { seed: 4 });
    const byTime = await datasetOf(scenario('      sort_by: created_at'), { seed: 4 });
    const a = await tableText(byTenant, 'orders');
    const b = await tableText(byTime, 'orders');
    expect(withoutId(b)).toEqual(withoutId(a));
    const rows = b.trim().split('\n').map((l) => l.split(','));
    expect(rows.map((r) => Number(r[0]))).toEqual(Array.from({ length: 30_000 }, (_, k) => k + 1));
    let unordered = 0;
    for (let k = 1; k < rows.length; k++) if ((rows[k]?.[3] ?? '') < (rows[k - 1]?.[3] ?? '')) unordered++;
    expect(unordered).toBe(0);
    // Tenants interleave: consecutive rows mostly belong to different tenants.
    let switches = 0;
    for (let k = 1; k < rows.length; k++) if (rows[k]?.[1] !== rows[k - 1]?.[1]) switches++;
    expect(switches / rows.length).toBeGreaterThan(0.5);
  });

  it('gives the same bytes for any chunk size and with workers', async () => {
    const ds = await datasetOf(scenario('      sort_by: created_at'), { seed: 4 });
    const reference = sha(await tableText(ds, 'orders', 'csv', 100_000));
    for (const chunk of [1000, 4096, 7]) expect(sha(await tableText(ds, 'orders', 'csv', chunk)), `chunk ${chunk}`).toBe(reference);
    const source = workerChunks(ds, 2);
    try {
      expect(sha(await tableText(ds, 'orders', 'csv', 999, source))).toBe(reference);
    } finally {
      await source.close?.();
    }
    // Two formats of the same chunks (files and a database at once) keep their own merge.
    expect(sha(await tableText(ds, 'orders', 'ndjson', 5000))).toBe(sha(await tableText(ds, 'orders', 'ndjson', 100_000)));
  });

  it('has no id ranges in the manifest (its ids are not one range per tenant)', async () => {
    const m = buildManifest(await datasetOf(scenario('      sort_by: created_at'), { seed: 4 }), 'csv');
    expect(m.tenants.every((t) => t.ranges === undefined)).toBe(true);
    expect(m.tenants.reduce((a, t) => a + t.rows, 0)).toBe(30_000);
  });

  it('lets other tables refer to it only by UUID', async () => {
    const refs = `    items:
      rows: 5000
      per_tenant: { zipf: 0.9 }
      columns:
        id: { id: sequential }
        order_id: { ref: orders }
        tenant_id: { ref: tenants }
`;
    expect(() => parseScenario(scenario('      sort_by: created_at', 'sequential', refs), '/tmp/l.yaml')).toThrow(
      /\/tmp\/l\.yaml:25: data\.tables\.items\.columns\.order_id\.ref: "orders" is sorted by created_at, so its sequential ids follow time across tenants/,
    );
    const ds = await datasetOf(scenario('      sort_by: created_at', 'uuid', refs), { seed: 4 });
    const orders = new Map((await tableText(ds, 'orders')).trim().split('\n').map((l) => l.split(',')).map((r) => [r[0], r[1]]));
    const items = (await tableText(ds, 'items')).trim().split('\n').map((l) => l.split(','));
    // Every item refers to an existing order of its own tenant.
    expect(items.length).toBe(5000);
    expect(items.filter((r) => orders.get(r[1]) !== r[2]).slice(0, 3)).toEqual([]);
  });

  it('rejects sort_by where it cannot be', () => {
    const msg = (text: string): string => {
      try {
        parseScenario(text, '/tmp/l.yaml');
      } catch (e) {
        if (e instanceof InputError) return e.message;
        throw e;
      }
      return '';
    };
    expect(msg(scenario('      sort_by: created_on'))).toContain('/tmp/l.yaml:14: data.tables.orders.sort_by: orders has no column "created_on" (did you mean "created_at"?)');
    expect(msg(scenario('      sort_by: status'))).toContain('data.tables.orders.sort_by: "status" must be a timestamp column with ascending order');
    expect(msg(scenario('').replace('    tenants:\n      rows: 300\n', '    tenants:\n      rows: 300\n      sort_by: created_at\n'))).toContain(
      'data.tables.tenants.sort_by: only tables with per_tenant have a layout to choose',
    );
  });
});
