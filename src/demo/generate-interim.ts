/**
 * INTERIM: a small seeded generator of the `saas-orders` dataset, used until
 * `src/data` (prodshape generate) lands; then dataset.ts calls that instead.
 * Same tables and shape: 2,000 tenants whose order counts follow Zipf(0.8)
 * (at scale 1 the biggest has ~10,000 orders and the median ~40), the youngest
 * 2% without orders, account ages from a truncated exponential with older
 * tenants tending to be bigger, orders denser towards now, 3% pending.
 *
 * Writes tenants.csv, accounts.csv, orders.csv (orders in `created_at` order,
 * as production stores them) and manifest.json into `dir`.
 */
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { createRng, randNormal, type Rng } from '../core/rng.js';
import type { Manifest } from '../data/manifest.js';

/** The dataset's "now": fixed, so a seed gives byte-identical files. */
export const DATASET_NOW_MS = Date.UTC(2025, 5, 1);

const TENANTS = 2000;
const ZIPF_S = 0.8;
const ORDERS_AT_SCALE_1 = 184_000;
const EMPTY_SHARE = 0.02;
const MONTH_MS = 30.44 * 86_400_000;
/** Signup process (REFERENCE §2): 8%/month growth, 2%/month churn, 60-month horizon. */
const AGE_LAMBDA = Math.log(1.08) - Math.log(1 - 0.02);
const AGE_HORIZON_MONTHS = 60;

/** Largest-remainder apportionment of `total` over Zipf(s) ranks 1..n (exact total). */
export const zipfCounts = (n: number, s: number, total: number): number[] => {
  const w = Array.from({ length: n }, (_, i) => (i + 1) ** -s);
  const sum = w.reduce((a, b) => a + b, 0);
  const quotas = w.map((x) => (x / sum) * total);
  const counts = quotas.map(Math.floor);
  let left = total - counts.reduce((a, b) => a + b, 0);
  const order = quotas.map((q, i) => ({ i, frac: q - Math.floor(q) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (left-- <= 0) break;
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return counts;
};

const ageMonths = (rng: Rng): number => -Math.log(1 - rng() * (1 - Math.exp(-AGE_LAMBDA * AGE_HORIZON_MONTHS))) / AGE_LAMBDA;

const iso = (ms: number): string => new Date(Math.round(ms)).toISOString();

/** Writes lines through a stream, waiting on back-pressure. */
const lineWriter = (file: string): { write: (line: string) => Promise<void>; end: () => Promise<void> } => {
  const out = createWriteStream(file);
  let buf: string[] = [];
  const flush = async (): Promise<void> => {
    if (buf.length === 0) return;
    const ok = out.write(buf.join(''));
    buf = [];
    if (!ok) await once(out, 'drain');
  };
  return {
    write: async (line) => {
      buf.push(line, '\n');
      if (buf.length >= 8192) await flush();
    },
    end: async () => {
      await flush();
      out.end();
      await once(out, 'finish');
    },
  };
};

/** Generates the dataset into `dir` (which must exist); returns its manifest. */
export const generateInterim = async (dir: string, opts: { seed: number; scale: number }): Promise<Manifest> => {
  const { seed, scale } = opts;
  const rng = createRng(seed, 'tenants');
  // Ages, then sizes: older tenants tend to be bigger (rank by age plus noise).
  const ages = Array.from({ length: TENANTS }, () => ageMonths(rng));
  const byAge = ages.map((a, i) => ({ i, a })).sort((x, y) => y.a - x.a);
  const key = new Float64Array(TENANTS);
  byAge.forEach(({ i }, rank) => {
    key[i] = 0.6 * (1 - rank / TENANTS) + 0.4 * rng();
  });
  const emptyCount = Math.round(TENANTS * EMPTY_SHARE);
  // The youngest tenants have no orders yet; the others get Zipf counts by descending key.
  const youngest = new Set(byAge.slice(TENANTS - emptyCount).map((x) => x.i));
  const ranked = [...Array(TENANTS).keys()].filter((i) => !youngest.has(i)).sort((x, y) => (key[y] ?? 0) - (key[x] ?? 0));
  const counts = zipfCounts(ranked.length, ZIPF_S, Math.round(ORDERS_AT_SCALE_1 * scale));
  const rows = new Array<number>(TENANTS).fill(0);
  ranked.forEach((t, r) => {
    rows[t] = counts[r] ?? 0;
  });
  const signupMs = ages.map((a) => DATASET_NOW_MS - a * MONTH_MS);

  const tw = lineWriter(join(dir, 'tenants.csv'));
  await tw.write('id,name,plan,signup_at');
  for (let t = 0; t < TENANTS; t++) {
    const n = rows[t] ?? 0;
    await tw.write(`${t + 1},Tenant ${t + 1},${n > 5000 * scale ? 'enterprise' : n > 200 * scale ? 'team' : 'free'},${iso(signupMs[t] ?? 0)}`);
  }
  await tw.end();

  // Accounts: one per ~15 orders (at least one), created after the tenant's signup.
  const arng = createRng(seed, 'accounts');
  const firstAccount = new Int32Array(TENANTS);
  const accountCount = new Int32Array(TENANTS);
  const aw = lineWriter(join(dir, 'accounts.csv'));
  await aw.write('id,tenant_id,name,email,created_at');
  let accountId = 0;
  for (let t = 0; t < TENANTS; t++) {
    const n = Math.max(1, Math.ceil((rows[t] ?? 0) / 15));
    firstAccount[t] = accountId + 1;
    accountCount[t] = n;
    const s = signupMs[t] ?? 0;
    for (let k = 0; k < n; k++) {
      accountId++;
      await aw.write(`${accountId},${t + 1},Customer ${accountId},customer${accountId}@tenant${t + 1}.example,${iso(s + (DATASET_NOW_MS - s) * arng())}`);
    }
  }
  await aw.end();

  // Orders: generated per tenant, written in created_at order with ids in that order.
  const total = rows.reduce((a, b) => a + b, 0);
  const tenantOf = new Int32Array(total);
  const customerOf = new Int32Array(total);
  const statusOf = new Uint8Array(total);
  const createdOf = new Float64Array(total);
  const totalOf = new Float64Array(total);
  const orng = createRng(seed, 'orders');
  let j = 0;
  for (let t = 0; t < TENANTS; t++) {
    const s = signupMs[t] ?? 0;
    for (let k = 0; k < (rows[t] ?? 0); k++, j++) {
      tenantOf[j] = t + 1;
      customerOf[j] = (firstAccount[t] ?? 1) + Math.floor(orng() * (accountCount[t] ?? 1));
      const u = orng();
      statusOf[j] = u < 0.03 ? 0 : u < 0.93 ? 1 : 2;
      // sqrt(u): activity grows over a tenant's life, so recent orders are denser.
      createdOf[j] = s + (DATASET_NOW_MS - s) * Math.sqrt(orng());
      totalOf[j] = Math.round(Math.exp(3.5 + 0.8 * randNormal(orng)) * 100) / 100;
    }
  }
  const order = new Uint32Array(total).map((_, i) => i).sort((a, b) => (createdOf[a] ?? 0) - (createdOf[b] ?? 0) || a - b);
  const STATUS = ['pending', 'paid', 'refunded'];
  const ow = lineWriter(join(dir, 'orders.csv'));
  await ow.write('id,tenant_id,customer_id,status,created_at,total');
  for (let r = 0; r < total; r++) {
    const i = order[r] ?? 0;
    await ow.write(`${r + 1},${tenantOf[i]},${customerOf[i]},${STATUS[statusOf[i] ?? 0]},${iso(createdOf[i] ?? 0)},${(totalOf[i] ?? 0).toFixed(2)}`);
  }
  await ow.end();

  const sorted = [...rows].sort((a, b) => a - b);
  const manifest: Manifest = {
    seed, scenario: 'saas-orders', scale, format: 'csv', generator: { prodshape: 'demo-interim', faker: null },
    tables: { tenants: TENANTS, accounts: accountId, orders: total },
    tenant_table: 'orders',
    tenants: rows.map((n, t) => ({ id: String(t + 1), rows: n, signup_at: iso(signupMs[t] ?? 0) })),
    summary: { max: sorted[sorted.length - 1] ?? 0, median: sorted[Math.floor(sorted.length / 2)] ?? 0, empty: emptyCount },
  };
  await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
};
