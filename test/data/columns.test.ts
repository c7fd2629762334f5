/**
 * Column kinds make what they say: choice frequencies match their weights,
 * numbers their distributions, NULLs their fraction; references point to a
 * row of the same tenant; per-tenant rows are consecutive id ranges matching
 * the manifest; UUIDs are v4 and unique; unique faker values are unique.
 * Tolerances are 4 standard errors unless stated.
 */
import { describe, expect, it } from 'vitest';
import { buildManifest } from '../../src/data/summary.js';
import { normalQuantile } from '../../src/data/stats.js';
import { datasetOf, tableText } from './helpers.js';

const SAAS = `name: saas
data:
  now: 2025-06-01T00:00:00Z
  tenant_table: tenants
  main_table: orders
  tables:
    tenants:
      rows: 400
      columns:
        id: { id: sequential, start: 100 }
        created_at: { timestamp: { at: signup } }
    coupons:
      rows: 50
      columns:
        id: { id: uuid }
        code: { faker: string.alphanumeric, args: [8] }
    accounts:
      rows: 8000
      per_tenant: { zipf: 0.9, min: 1 }
      columns:
        id: { id: sequential }
        tenant_id: { ref: tenants }
        email: { faker: internet.email, unique: true, pool: 500 }
        created_at: { timestamp: { from: signup } }
    orders:
      rows: 100000
      per_tenant: { zipf: 0.9, min: 1 }
      columns:
        id: { id: sequential }
        tenant_id: { ref: tenants }
        customer_id: { ref: accounts }
        status: { choice: { pending: 0.03, paid: 0.9, refunded: 0.07 } }
        total: { number: lognormal, median: 40, sigma: 1, decimals: 2 }
        tip: { number: normal, mean: 5, sd: 2, decimals: 4 }
        qty: { number: uniform, min: 1, max: 9 }
        coupon: { ref: coupons, nulls: 0.8 }
        created_at: { timestamp: { from: customer_id.created_at, to: customer_id.created_at + 30d } }
`;

const within = (observed: number, expected: number, se: number): void => {
  expect(Math.abs(observed - expected), `observed ${observed}, expected ${expected} ± ${4 * se}`).toBeLessThan(4 * se);
};

describe('columns', async () => {
  const ds = await datasetOf(SAAS, { seed: 11 });
  const rowsOf = async (t: string): Promise<string[][]> => (await tableText(ds, t)).trim().split('\n').map((l) => l.split(','));
  const tenants = await rowsOf('tenants');
  const coupons = await rowsOf('coupons');
  const accounts = await rowsOf('accounts');
  const orders = await rowsOf('orders');
  const n = orders.length;

  it('choices follow their weights', () => {
    const count = (v: string): number => orders.filter((r) => r[3] === v).length;
    for (const [v, p] of [['pending', 0.03], ['paid', 0.9], ['refunded', 0.07]] as const) within(count(v) / n, p, Math.sqrt((p * (1 - p)) / n));
  });

  it('numbers follow their distributions, with the given decimals', () => {
    const totals = orders.map((r) => Number(r[4])).sort((a, b) => a - b);
    // The sample median of a log-normal: log has sd sigma/√n·√(π/2).
    within(Math.log(totals[n >> 1] ?? 0), Math.log(40), Math.sqrt(Math.PI / 2) / Math.sqrt(n));
    // P(total < 40·e^1) = Φ(1).
    within(totals.filter((x) => x < 40 * Math.E).length / n, 0.8413, Math.sqrt(0.8413 * 0.1587 / n));
    const tips = orders.map((r) => Number(r[5]));
    const mean = tips.reduce((a, b) => a + b, 0) / n;
    within(mean, 5, 2 / Math.sqrt(n));
    within(Math.sqrt(tips.reduce((a, b) => a + (b - mean) ** 2, 0) / n), 2, 2 / Math.sqrt(2 * n));
    within(tips.filter((x) => x < 5 + 2 * normalQuantile(0.1)).length / n, 0.1, Math.sqrt(0.09 / n));
    expect(orders.every((r) => /^\d+\.\d{2}$/.test(r[4] ?? '') && /^-?\d+\.\d{4}$/.test(r[5] ?? ''))).toBe(true);
    const qty = orders.map((r) => Number(r[6]));
    expect(Math.min(...qty)).toBe(1);
    expect(Math.max(...qty)).toBe(9);
    expect(qty.every(Number.isInteger)).toBe(true);
    // Rounded uniform on [1, 9]: the ends get half a bin each.
    within(qty.filter((q) => q === 5).length / n, 1 / 8, Math.sqrt((1 / 8) * (7 / 8) / n));
  });

  it('NULLs appear with the configured fraction, as empty unquoted fields', () => {
    within(orders.filter((r) => r[7] === '').length / n, 0.8, Math.sqrt(0.16 / n));
    // The others are spread evenly over every coupon.
    expect(new Set(orders.map((r) => r[7]))).toEqual(new Set(['', ...coupons.map((c) => c[0])]));
  });

  it('lays out per-tenant rows as consecutive id ranges, as the manifest says', () => {
    const manifest = buildManifest(ds, 'csv');
    expect(manifest.tenants.map((t) => t.id)).toEqual(tenants.map((r) => r[0]));
    expect(tenants[0]?.[0]).toBe('100');
    for (const [table, rows, idCol] of [['orders', orders, 0], ['accounts', accounts, 0]] as const) {
      const seen = new Map<string, number[]>();
      for (const r of rows) {
        const list = seen.get(r[1] ?? '') ?? [];
        list.push(Number(r[idCol]));
        seen.set(r[1] ?? '', list);
      }
      for (const t of manifest.tenants) {
        const [first, count] = t.ranges?.[table] ?? [0, 0];
        const ids = seen.get(t.id) ?? [];
        expect(ids.length, `${table} of tenant ${t.id}`).toBe(count);
        if (count > 0) expect([ids[0], ids[ids.length - 1]]).toEqual([first, first + count - 1]);
        if (table === 'orders') expect(t.rows).toBe(count); // main_table: orders
      }
    }
    expect(manifest.summary).toMatchObject({ tenants: 400, rows: 100_000 });
  });

  it('references point to a row of the same tenant, and timestamps follow the parent', () => {
    const accountTenant = new Map(accounts.map((r) => [r[0], r[1]]));
    const accountCreated = new Map(accounts.map((r) => [r[0], Date.parse(r[3] ?? '')]));
    const bad = orders.filter((r) => accountTenant.get(r[2]) !== r[1]);
    expect(bad.slice(0, 3)).toEqual([]);
    const late = orders.filter((r) => {
      const at = Date.parse(r[8] ?? '');
      const from = accountCreated.get(r[2]) ?? NaN;
      return !(at >= from && at <= from + 30 * 86_400_000);
    });
    expect(late.slice(0, 3)).toEqual([]);
    // Customers are spread over the tenant's accounts, not all the first one.
    expect(new Set(orders.map((r) => r[2])).size).toBeGreaterThan(accounts.length * 0.9);
  });

  it('makes v4 UUIDs and unique values where asked', () => {
    const uuids = coupons.map((r) => r[0] ?? '');
    expect(uuids.length).toBe(50);
    expect(coupons.every((r) => /^[A-Za-z0-9]{8}$/.test(r[1] ?? ''))).toBe(true);
    expect(uuids.every((u) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(u))).toBe(true);
    expect(new Set(uuids).size).toBe(uuids.length);
    const emails = accounts.map((r) => r[2] ?? '');
    expect(new Set(emails).size).toBe(emails.length);
    expect(emails.every((e) => /^[^@\s]+\+\d+@[^@\s]+$/.test(e))).toBe(true);
  });

  it('infers SQL types and NOT NULL', () => {
    const types = Object.fromEntries(ds.tables.flatMap((t) => t.columns.map((c) => [`${t.name}.${c.name}`, `${c.sqlType}${c.notNull ? '!' : ''}`])));
    expect(types).toMatchObject({
      'tenants.id': 'bigint!', 'coupons.id': 'uuid!', 'tenants.created_at': 'timestamptz!',
      'accounts.email': 'text!', 'orders.customer_id': 'bigint!', 'orders.status': 'text!',
      'orders.total': 'numeric!', 'orders.qty': 'bigint!', 'orders.coupon': 'uuid',
    });
  });
});
