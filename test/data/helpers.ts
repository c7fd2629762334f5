/** Helpers for the data tests: small scenarios parsed from text, whole tables as text, rank statistics. */
import { parseScenario } from '../../src/scenario/scenario.js';
import { prepareDataset, tableOf, type Dataset } from '../../src/data/dataset.js';
import { mainThreadChunks, type ChunkSource } from '../../src/data/chunks.js';
import type { RowFormat } from '../../src/data/rows.js';

/** A dataset from scenario YAML text. */
export const datasetOf = (yaml: string, opts: { seed?: number | string; scale?: number } = {}): Promise<Dataset> =>
  prepareDataset(parseScenario(yaml, '/tmp/test-scenario.yaml'), opts);

/** A table's whole text in `format`, made in chunks of `chunkRows` from `source`. */
export const tableText = async (ds: Dataset, table: string, format: RowFormat = 'csv', chunkRows = 8192, source: ChunkSource = mainThreadChunks(ds)): Promise<string> => {
  let out = '';
  for await (const c of source.chunks(tableOf(ds, table), [format], chunkRows)) out += c.bytes[format]?.toString('utf8') ?? '';
  return out;
};

/** Ranks (1..n, ties averaged) of values. */
export const ranks = (xs: ArrayLike<number>): Float64Array => {
  const n = xs.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => (xs[a] ?? 0) - (xs[b] ?? 0));
  const r = new Float64Array(n);
  for (let k = 0; k < n; ) {
    let e = k;
    while (e + 1 < n && xs[idx[e + 1] ?? 0] === xs[idx[k] ?? 0]) e++;
    for (let m = k; m <= e; m++) r[idx[m] ?? 0] = (k + e) / 2 + 1;
    k = e + 1;
  }
  return r;
};

/** Pearson correlation. */
export const pearson = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += (a[i] ?? 0) / n;
    mb += (b[i] ?? 0) / n;
  }
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = (a[i] ?? 0) - ma;
    const db = (b[i] ?? 0) - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
};

/** Spearman rank correlation. */
export const spearman = (a: ArrayLike<number>, b: ArrayLike<number>): number => pearson(ranks(a), ranks(b));

/** Least-squares slope of y on x. */
export const olsSlope = (x: number[], y: number[]): number => {
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += ((x[i] ?? 0) - mx) * ((y[i] ?? 0) - my);
    sxx += ((x[i] ?? 0) - mx) ** 2;
  }
  return sxy / sxx;
};

/** A scenario with `tenants` tenants and `rows` orders spread by Zipf(s). */
export const tenantScenario = (o: { tenants: number; rows: number; s: number; min?: number; rho?: number; extra?: string }): string => `name: t
data:
  now: 2025-06-01T00:00:00Z
  tenant_table: tenants
  ages: { growth: 8%, churn: 2%, horizon: 60mo, size_correlation: ${o.rho ?? 0.6} }
  tables:
    tenants:
      rows: ${o.tenants}
      columns:
        id: { id: sequential }
        created_at: { timestamp: { at: signup } }
    orders:
      rows: ${o.rows}
      per_tenant: { zipf: ${o.s}, min: ${o.min ?? 0} }
      columns:
        id: { id: sequential }
        tenant_id: { ref: tenants }
        created_at: { timestamp: { from: signup, growth: 5% } }
${o.extra ?? ''}`;
