/**
 * The tenant table the k6 script picks from: every tenant with its row count,
 * its size class (run/format.ts TENANT_CLASSES) and, for `{table.id}`
 * placeholders, its id ranges. Sorted by rows, largest first.
 *
 * Sources, in order: `--data DIR` (DIR/manifest.json from `prodshape
 * generate`), else the scenario's `tenants:` section (a manifest, or a CSV of
 * real tenant sizes).
 *
 * TEMPORARY: the engine stage is defining tenant loading and classes in
 * src/traffic/tenants.ts; when it lands on main, this module becomes a thin
 * adapter over it so replay and k6 export pick tenants the same way.
 */
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import { inputError } from '../core/errors.js';
import { readManifest } from '../data/manifest.js';
import type { TenantClass } from '../run/format.js';
import type { Scenario } from '../scenario/scenario.js';

export interface TenantEntry {
  id: string;
  /** Rows in the dataset's per-tenant table (its popularity weight). */
  rows: number;
  tenantClass: Exclude<TenantClass, 'none'>;
  /** Per-table id ranges `[first id, count]`, when the dataset gives them. */
  ranges?: Record<string, [number, number]>;
}

export interface TenantTable {
  /** Where the tenants came from, for comments and messages (a path). */
  source: string;
  tenants: TenantEntry[];
}

interface RawTenant { id: string; rows: number; ranges?: Record<string, [number, number]> }

/**
 * Assigns size classes by rank of row count: `top1` the largest 1% of the
 * tenants with rows (at least one), `top10` the next ones up to 10%, `rest`
 * the others with rows, `empty` the tenants with none. Ties break by id, so
 * the table is the same whatever the input order.
 */
export const classifyTenants = (raw: readonly RawTenant[]): TenantEntry[] => {
  const sorted = [...raw].sort((a, b) => b.rows - a.rows || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const withRows = sorted.filter((t) => t.rows > 0).length;
  const top1 = withRows === 0 ? 0 : Math.max(1, Math.ceil(withRows * 0.01));
  const top10 = withRows === 0 ? 0 : Math.max(top1, Math.ceil(withRows * 0.1));
  return sorted.map((t, rank) => ({
    ...t,
    tenantClass: t.rows === 0 ? 'empty' : rank < top1 ? 'top1' : rank < top10 ? 'top10' : 'rest',
  }));
};

const readCsvTenants = async (file: string, idColumn: string, rowsColumn: string): Promise<RawTenant[]> => {
  if (!existsSync(file)) throw inputError('tenants.csv', 'the tenant CSV does not exist', { file, hint: 'the path is relative to the scenario file' });
  const out: RawTenant[] = [];
  const parser = createReadStream(file).pipe(parse({ columns: true, info: true, skip_empty_lines: true, trim: true, bom: true }));
  let checkedHeader = false;
  for await (const item of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    const { record, info } = item;
    if (!checkedHeader) {
      for (const col of [idColumn, rowsColumn]) {
        if (!(col in record)) {
          throw inputError(col, `no column named "${col}" (columns: ${Object.keys(record).join(', ')})`, {
            file, line: 1, hint: 'set `tenants.id` and `tenants.rows` in the scenario to the CSV column names',
          });
        }
      }
      checkedHeader = true;
    }
    const id = record[idColumn] ?? '';
    const rows = Number(record[rowsColumn]);
    if (id === '') throw inputError(idColumn, 'empty tenant id', { file, line: info.lines });
    if (!Number.isFinite(rows) || rows < 0) {
      throw inputError(rowsColumn, `expected a row count >= 0, got ${JSON.stringify(record[rowsColumn])}`, { file, line: info.lines });
    }
    out.push({ id, rows });
  }
  return out;
};

const manifestTenants = async (file: string): Promise<RawTenant[]> => {
  const m = await readManifest(file);
  return m.tenants.map((t) => ({ id: String(t.id), rows: t.rows, ...(t.ranges === undefined ? {} : { ranges: t.ranges }) }));
};

/**
 * Loads the tenant table for a scenario: from `dataDir/manifest.json` when
 * given, else from the scenario's `tenants:` section; null when neither exists.
 */
export const loadTenantTable = async (scenario: Pick<Scenario, 'tenants'>, dataDir: string | null): Promise<TenantTable | null> => {
  if (dataDir !== null) {
    const file = join(dataDir, 'manifest.json');
    return { source: file, tenants: classifyTenants(await manifestTenants(file)) };
  }
  const src = scenario.tenants;
  if (src === null) return null;
  if (src.kind === 'manifest') return { source: src.path, tenants: classifyTenants(await manifestTenants(src.path)) };
  return { source: src.path, tenants: classifyTenants(await readCsvTenants(src.path, src.idColumn, src.rowsColumn)) };
};
