/**
 * Tenants: who `{tenant}` can be and how often each is picked.
 *
 * A tenant table is built once from a generated dataset's manifest
 * (`--data DIR` → DIR/manifest.json, or a scenario's `tenants: { manifest }`)
 * or from a CSV of real tenant sizes (`tenants: { csv, id, rows }`). Tenants
 * are sorted by rows (descending, ties by id) and given a size class
 * (`TENANT_CLASSES`): `top1` the largest 1% (at least one), `top10` the next
 * up to 10%, `rest`, and `empty` for zero rows.
 *
 * Picking is pure given a uniform draw: weighted (probability ∝ rows, the
 * default, docs/algorithms.md §1) by binary search over cumulative rows, or uniform
 * (`tenant: uniform`). The k6 exporter reuses `buildTenantTable` and
 * `createTenantPicker` unchanged.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { InputError, inputError } from '../core/errors.js';
import { readManifest, type Manifest } from '../data/manifest.js';
import type { TenantClass } from '../run/format.js';
import type { Scenario, TenantPick } from '../scenario/scenario.js';

/** One tenant: its id, its row count in the main per-tenant table, and optional id ranges per table. */
export interface TenantRow {
  id: string;
  rows: number;
  /** `table → [first id, count]` for rows generated tenant by tenant (manifest `ranges`). */
  ranges?: Record<string, [number, number]>;
}

/** Tenants sorted by rows descending (ties by id), with their classes and cumulative rows. */
export interface TenantTable {
  tenants: TenantRow[];
  /** Size class of `tenants[i]`. */
  classes: TenantClass[];
  /** `cumRows[i]` = rows of tenants 0..i (inclusive). */
  cumRows: Float64Array;
  totalRows: number;
  /** Where the table came from, for run.json (`manifest:PATH` or `csv:PATH`). */
  source: string;
}

/**
 * Size classes for tenants already sorted by rows descending: the first
 * max(1, ⌊1% · n⌋) are `top1`, up to ⌊10% · n⌋ in all are `top10`, the others
 * `rest`; a tenant with zero rows is always `empty`.
 */
export const classifyTenants = (rowsDesc: readonly number[]): TenantClass[] => {
  const n = rowsDesc.length;
  const top1 = Math.max(1, Math.floor(n * 0.01));
  const top10 = Math.max(top1, Math.floor(n * 0.1));
  return rowsDesc.map((rows, i) => (rows <= 0 ? 'empty' : i < top1 ? 'top1' : i < top10 ? 'top10' : 'rest'));
};

/** Builds the table: sorts, classifies, accumulates. Pure. */
export const buildTenantTable = (rows: readonly TenantRow[], source = 'inline'): TenantTable => {
  const tenants = [...rows].sort((a, b) => b.rows - a.rows || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const cumRows = new Float64Array(tenants.length);
  let total = 0;
  tenants.forEach((t, i) => {
    total += t.rows;
    cumRows[i] = total;
  });
  return { tenants, classes: classifyTenants(tenants.map((t) => t.rows)), cumRows, totalRows: total, source };
};

/** Index of the first element of a non-decreasing array strictly greater than `x` (binary search). */
export const upperBound = (sorted: ArrayLike<number>, x: number): number => {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};

/** Picks tenant indexes into a table from uniform draws u ∈ [0, 1). */
export interface TenantPicker {
  pick(u: number): number;
  /** Number of tenants this picker can return. */
  readonly size: number;
}

/**
 * A picker over the table: `weighted` (∝ rows) or `uniform`. `requireTables`
 * restricts it to tenants with at least one id in each named table (for
 * `{orders.id}`-style placeholders); the weights stay the tenants' rows.
 * Throws a plain Error when no tenant qualifies (the caller says where).
 */
export const createTenantPicker = (table: TenantTable, mode: TenantPick, requireTables: readonly string[] = []): TenantPicker => {
  const all = requireTables.length === 0;
  const idx: number[] = [];
  if (!all) {
    table.tenants.forEach((t, i) => {
      if (requireTables.every((tb) => (t.ranges?.[tb]?.[1] ?? 0) > 0)) idx.push(i);
    });
  }
  const n = all ? table.tenants.length : idx.length;
  if (n === 0) throw new Error(requireTables.length > 0 ? `no tenant has ids in ${requireTables.join(', ')}` : 'the tenant list is empty');
  if (mode === 'uniform') {
    return all ? { size: n, pick: (u) => Math.min(n - 1, Math.floor(u * n)) } : { size: n, pick: (u) => idx[Math.min(n - 1, Math.floor(u * n))] as number };
  }
  const cum = all ? table.cumRows : (() => {
    const c = new Float64Array(n);
    let s = 0;
    idx.forEach((ti, j) => {
      s += table.tenants[ti]?.rows ?? 0;
      c[j] = s;
    });
    return c;
  })();
  const total = cum[n - 1] ?? 0;
  if (!(total > 0)) throw new Error('every tenant has zero rows, so none can be picked by rows (use `tenant: uniform`)');
  return all
    ? { size: n, pick: (u) => Math.min(n - 1, upperBound(cum, u * total)) }
    : { size: n, pick: (u) => idx[Math.min(n - 1, upperBound(cum, u * total))] as number };
};

/** Tenant rows from a manifest (ids as strings, ranges kept when well-formed). */
export const tenantsFromManifest = (m: Manifest): TenantRow[] =>
  m.tenants.map((t) => {
    const row: TenantRow = { id: String(t.id), rows: t.rows };
    if (t.ranges && typeof t.ranges === 'object') {
      const ranges: Record<string, [number, number]> = {};
      for (const [table, r] of Object.entries(t.ranges)) {
        if (Array.isArray(r) && typeof r[0] === 'number' && typeof r[1] === 'number') ranges[table] = [r[0], r[1]];
      }
      row.ranges = ranges;
    }
    return row;
  });

/** Reads a CSV of real tenant sizes: column `idColumn` is the id, `rowsColumn` a count >= 0. */
export const readTenantCsv = async (file: string, idColumn: string, rowsColumn: string): Promise<TenantRow[]> => {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw inputError('', `cannot read the tenants CSV (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { file, hint: 'the path in `tenants.csv` is relative to the scenario file' });
  }
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse<(typeof records)[number]>(text, { columns: true, skip_empty_lines: true, trim: true, bom: true, info: true });
  } catch (e) {
    throw inputError('', `not a valid CSV (${(e as Error).message})`, { file });
  }
  const first = records[0]?.record;
  if (first === undefined) throw inputError('', 'the CSV has no tenant rows', { file });
  for (const col of [idColumn, rowsColumn]) {
    if (!(col in first)) throw inputError(col, `no column named "${col}"; the header has: ${Object.keys(first).join(', ')}`, { file, line: 1, hint: 'set `tenants.id` and `tenants.rows` in the scenario to the CSV column names' });
  }
  const problems: InputError['problems'] = [];
  const out: TenantRow[] = [];
  for (const { record, info } of records) {
    const id = record[idColumn] ?? '';
    const rows = Number(record[rowsColumn]);
    if (id === '') problems.push({ file, line: info.lines, field: idColumn, message: 'empty tenant id' });
    else if (!Number.isFinite(rows) || rows < 0) problems.push({ file, line: info.lines, field: rowsColumn, message: `expected a row count >= 0, got ${JSON.stringify(record[rowsColumn])}` });
    else out.push({ id, rows });
    if (problems.length >= 20) break;
  }
  if (problems.length > 0) throw new InputError(problems);
  return out;
};

/**
 * Loads the tenant table for a run: `--data DIR` (DIR/manifest.json) wins,
 * then the scenario's `tenants:` (manifest or CSV); null when there is none.
 */
export const loadTenantTable = async (opts: { dataDir?: string | null; scenario?: Scenario | null }): Promise<{ table: TenantTable; manifest: Manifest | null } | null> => {
  if (opts.dataDir) {
    const file = join(opts.dataDir, 'manifest.json');
    const manifest = await readManifest(file);
    return { table: buildTenantTable(tenantsFromManifest(manifest), `manifest:${file}`), manifest };
  }
  const src = opts.scenario?.tenants ?? null;
  if (src === null) return null;
  if (src.kind === 'manifest') {
    const manifest = await readManifest(src.path);
    return { table: buildTenantTable(tenantsFromManifest(manifest), `manifest:${src.path}`), manifest };
  }
  return { table: buildTenantTable(await readTenantCsv(src.path, src.idColumn, src.rowsColumn), `csv:${src.path}`), manifest: null };
};

/**
 * The tenants worth a whole-run histogram each (tenants.ndjson), memory
 * bounded: the `heavy` tenants with the most rows (they carry most of the
 * load), plus a seeded sample of `sampleRest` smaller tenants with rows and
 * `sampleEmpty` empty ones (the other end, docs/algorithms.md §7). Returns indexes
 * into the table, heaviest first.
 */
export const trackedTenantIndexes = (
  table: TenantTable,
  rng: () => number,
  opts: { heavy?: number; sampleRest?: number; sampleEmpty?: number } = {},
): number[] => {
  const heavy = Math.min(opts.heavy ?? 200, table.tenants.length);
  const out: number[] = [];
  const rest: number[] = [];
  const empty: number[] = [];
  table.tenants.forEach((t, i) => (t.rows <= 0 ? empty : i < heavy ? out : rest).push(i));
  const sample = (from: number[], k: number): number[] => {
    // Partial Fisher–Yates: k distinct picks, seeded.
    const a = [...from];
    const n = Math.min(k, a.length);
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(rng() * (a.length - i));
      [a[i], a[j]] = [a[j] as number, a[i] as number];
    }
    return a.slice(0, n).sort((x, y) => x - y);
  };
  return [...out, ...sample(rest, opts.sampleRest ?? 50), ...sample(empty, opts.sampleEmpty ?? 20)];
};
