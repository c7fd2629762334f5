/**
 * manifest.json for a dataset: every tenant with its row count (in the main
 * per-tenant table), rank, signup and id ranges, and a summary of the skew
 * (top 10, median, p99, Gini). Computed from the plan alone: the manifest is
 * known before any row is made and is byte-identical across runs.
 */
import { createRequire } from 'node:module';
import { VERSION } from '../core/version.js';
import { formatTimestamp } from './format.js';
import { giniSorted, medianSorted, quantileSorted } from './stats.js';
import type { Dataset } from './dataset.js';
import type { Manifest, ManifestSummary, ManifestTenant } from './manifest.js';

const fakerVersion = (): string | null => {
  try {
    return (createRequire(import.meta.url)('@faker-js/faker/package.json') as { version: string }).version;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return null;
    throw e;
  }
};

const round = (x: number, digits = 4): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** The skew summary of rows per tenant (`ids[t]`, `rows[t]`). */
export const summarize = (ids: string[], rows: ArrayLike<number>, zipfS: number, minPerTenant: number, ageMonths?: Float64Array): ManifestSummary => {
  const n = rows.length;
  const sorted = Float64Array.from(rows).sort();
  let total = 0;
  for (let t = 0; t < n; t++) total += rows[t] ?? 0;
  const order = Array.from({ length: n }, (_, t) => t).sort((a, b) => (rows[b] ?? 0) - (rows[a] ?? 0) || a - b);
  const top10 = order.slice(0, 10).map((t) => ({ id: ids[t] ?? String(t), rows: rows[t] ?? 0 }));
  const median = medianSorted(sorted);
  const max = n === 0 ? 0 : (sorted[n - 1] ?? 0);
  const summary: ManifestSummary = {
    tenants: n,
    rows: total,
    min: n === 0 ? 0 : (sorted[0] ?? 0),
    median,
    mean: n === 0 ? 0 : round(total / n, 2),
    p90: quantileSorted(sorted, 0.9),
    p99: quantileSorted(sorted, 0.99),
    max,
    max_over_median: median === 0 ? 0 : round(max / median, 1),
    gini: round(giniSorted(sorted)),
    top10_share: total === 0 ? 0 : round(top10.reduce((a, x) => a + x.rows, 0) / total),
    top10,
    zipf_s: zipfS,
    min_per_tenant: minPerTenant,
  };
  if (ageMonths !== undefined && ageMonths.length > 0) {
    const ages = Float64Array.from(ageMonths).sort();
    summary.age_months = {
      median: round(medianSorted(ages), 1),
      p90: round(quantileSorted(ages, 0.9), 1),
      max: round(ages[ages.length - 1] ?? 0, 1),
      older_than_3y_share: round(ages.filter((a) => a > 36).length / ages.length),
    };
  }
  return summary;
};

/** Builds the manifest of a dataset written in `format` (files named per table when written to files). */
export const buildManifest = (ds: Dataset, format: Manifest['format'], files?: Record<string, string>): Manifest => {
  const { plan, spec } = ds;
  const tables = Object.fromEntries(plan.tables.map((t) => [t.spec.name, t.rows]));
  const manifest: Manifest = {
    version: 1,
    seed: ds.seed,
    scenario: ds.scenario,
    scale: ds.scale,
    scenario_hash: ds.scenarioHash,
    format,
    now: formatTimestamp(spec.nowMs),
    generator: { prodshape: VERSION, faker: ds.pools && Object.keys(ds.pools).length > 0 ? fakerVersion() : null },
    tables,
    ...(files === undefined ? {} : { files }),
    ...(spec.mainTable === null ? {} : { tenant_table: spec.mainTable }),
    ...(spec.tenantTable === null ? {} : { tenants_table: spec.tenantTable }),
    tenants: [],
  };
  const tenantTable = ds.tables.find((t) => t.name === spec.tenantTable);
  const tp = plan.tenants;
  if (tenantTable === undefined || tp === null) return manifest;
  const idText = tenantTable.idText ?? ((t: number) => String(t + 1));
  const main = spec.mainTable === null ? undefined : plan.byName.get(spec.mainTable);
  // Tables whose rows are id ranges per tenant: per_tenant with sequential ids.
  const ranged = ds.tables.filter((t) => t.plan.first !== null && t.idStart !== null && t.sortTime === null);
  const ids: string[] = [];
  const tenants: ManifestTenant[] = [];
  for (let t = 0; t < tp.count; t++) {
    const id = idText(t);
    ids.push(id);
    const ranges: Record<string, [number, number]> = {};
    for (const r of ranged) ranges[r.name] = [(r.idStart ?? 0) + (r.plan.first?.[t] ?? 0), r.plan.counts?.[t] ?? 0];
    tenants.push({
      id,
      rows: main?.counts?.[t] ?? 0,
      rank: (tp.rank[t] ?? 0) + 1,
      signup_at: formatTimestamp(tp.signupMs[t] ?? 0),
      ...(ranged.length > 0 ? { ranges } : {}),
    });
  }
  manifest.tenants = tenants;
  const counts = main?.counts ?? new Float64Array(tp.count);
  manifest.summary = summarize(ids, counts, main?.spec.perTenant?.zipf ?? 0, main?.spec.perTenant?.min ?? 0, tp.ageMonths);
  return manifest;
};

/**
 * manifest.json as text pieces: indented, with one line per tenant (a
 * 100,000-tenant manifest stays readable, and is written line by line
 * without one big string).
 */
export function* manifestJsonPieces(m: Manifest): Generator<string> {
  const { tenants, ...rest } = m;
  yield `${JSON.stringify(rest, null, 2).replace(/\n}$/, '')},\n  "tenants": [`;
  if (tenants.length === 0) {
    yield ']\n}\n';
    return;
  }
  for (let k = 0; k < tenants.length; k++) yield `${k === 0 ? '\n' : ',\n'}    ${JSON.stringify(tenants[k])}`;
  yield '\n  ]\n}\n';
}

/** manifest.json text (see manifestJsonPieces). */
export const manifestJson = (m: Manifest): string => [...manifestJsonPieces(m)].join('');
