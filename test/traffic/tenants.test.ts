import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { createRng } from '../../src/core/rng.js';
import { parseScenario } from '../../src/scenario/scenario.js';
import { buildTenantTable, classifyTenants, createTenantPicker, loadTenantTable, readTenantCsv, trackedTenantIndexes } from '../../src/traffic/tenants.js';

const zipfRows = (n: number, s = 1, top = 100_000): { id: string; rows: number }[] =>
  Array.from({ length: n }, (_, i) => ({ id: `t${i + 1}`, rows: Math.floor(top / (i + 1) ** s) }));

describe('tenant size classes', () => {
  it('gives the top 1% (at least one), up to 10%, the rest and empty', () => {
    const rows = [...zipfRows(990).map((t) => t.rows), ...new Array<number>(10).fill(0)];
    const cls = classifyTenants(rows);
    expect(cls.filter((c) => c === 'top1')).toHaveLength(10);
    expect(cls.filter((c) => c === 'top10')).toHaveLength(90);
    expect(cls.filter((c) => c === 'empty')).toHaveLength(10);
    expect(cls.filter((c) => c === 'rest')).toHaveLength(890);
    expect(classifyTenants([5, 3, 1])).toEqual(['top1', 'rest', 'rest']);
  });

  it('sorts by rows then id, whatever the input order', () => {
    const t = buildTenantTable([{ id: 'b', rows: 5 }, { id: 'a', rows: 5 }, { id: 'c', rows: 50 }, { id: 'z', rows: 0 }]);
    expect(t.tenants.map((x) => x.id)).toEqual(['c', 'a', 'b', 'z']);
    expect(t.classes).toEqual(['top1', 'rest', 'rest', 'empty']);
    expect(t.totalRows).toBe(60);
  });
});

describe('tenant picking', () => {
  it('follows the weights: chi-square on the top 10 tenants and the lumped tail', () => {
    const table = buildTenantTable(zipfRows(1000));
    const picker = createTenantPicker(table, 'weighted');
    const rng = createRng(42, 'chi');
    const n = 200_000;
    const counts = new Array<number>(11).fill(0);
    for (let i = 0; i < n; i++) counts[Math.min(10, picker.pick(rng()))]!++;
    let chi = 0;
    for (let k = 0; k <= 10; k++) {
      const p = (k < 10 ? table.tenants[k]!.rows : table.totalRows - table.cumRows[9]!) / table.totalRows;
      chi += (counts[k]! - n * p) ** 2 / (n * p);
    }
    // 10 degrees of freedom: the 0.1% critical value is 29.59.
    expect(chi).toBeLessThan(29.59);
  });

  it('picks uniformly with `tenant: uniform`, empty tenants included', () => {
    const table = buildTenantTable([{ id: 'big', rows: 1_000_000 }, { id: 'small', rows: 1 }, { id: 'empty', rows: 0 }]);
    const picker = createTenantPicker(table, 'uniform');
    const rng = createRng(1);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[picker.pick(rng())]!++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
    // Weighted picking never returns a tenant without rows.
    const w = createTenantPicker(table, 'weighted');
    for (let i = 0; i < 10_000; i++) expect(table.tenants[w.pick(rng())]!.rows).toBeGreaterThan(0);
  });

  it('restricts to tenants with ids in the tables a template needs', () => {
    const table = buildTenantTable([
      { id: 'a', rows: 100, ranges: { orders: [1, 100] } },
      { id: 'b', rows: 50, ranges: { orders: [101, 0] } },
      { id: 'c', rows: 10, ranges: { orders: [101, 10] } },
    ]);
    const p = createTenantPicker(table, 'weighted', ['orders']);
    expect(p.size).toBe(2);
    const rng = createRng(2);
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) seen.add(table.tenants[p.pick(rng())]!.id);
    expect([...seen].sort()).toEqual(['a', 'c']);
  });

  it('tracks the heaviest tenants plus a seeded sample of small and empty ones', () => {
    const table = buildTenantTable([...zipfRows(1000), ...Array.from({ length: 100 }, (_, i) => ({ id: `e${i}`, rows: 0 }))]);
    const a = trackedTenantIndexes(table, createRng(1, 'track'), { heavy: 20, sampleRest: 5, sampleEmpty: 3 });
    expect(a.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(a).toHaveLength(28);
    expect(a.slice(25).every((i) => table.tenants[i]!.rows === 0)).toBe(true);
    expect(trackedTenantIndexes(table, createRng(1, 'track'), { heavy: 20, sampleRest: 5, sampleEmpty: 3 })).toEqual(a);
  });
});

describe('tenant sources', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ps-tenants-'));

  it('reads a CSV of real sizes with named columns', async () => {
    const file = join(dir, 'sizes.csv');
    writeFileSync(file, 'tenant_id,orders,plan\nacme,1200,pro\nbeta,3,free\ngamma,0,free\n');
    const rows = await readTenantCsv(file, 'tenant_id', 'orders');
    expect(rows).toEqual([{ id: 'acme', rows: 1200 }, { id: 'beta', rows: 3 }, { id: 'gamma', rows: 0 }]);
  });

  it('names the file, line and column of bad CSV input', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'tenant_id,orders\nacme,12\nbeta,lots\n,4\n');
    const e = await readTenantCsv(file, 'tenant_id', 'orders').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).problems.map((p) => [p.line, p.field])).toEqual([[3, 'orders'], [4, 'tenant_id']]);
    const missing = await readTenantCsv(file, 'tenant', 'orders').catch((x: unknown) => x);
    expect((missing as InputError).message).toMatch(/bad\.csv:1: tenant: no column named "tenant"/);
  });

  it('loads a scenario\'s CSV relative to the scenario file, and --data DIR manifests', async () => {
    writeFileSync(join(dir, 'sizes2.csv'), 'id,n\nx,5\ny,7\n');
    const sc = parseScenario('name: s\ntenants: { csv: sizes2.csv, id: id, rows: n }\nendpoints:\n  - { name: a, path: / }\n', join(dir, 'scenario.yaml'));
    const fromCsv = await loadTenantTable({ scenario: sc });
    expect(fromCsv?.table.tenants.map((t) => t.id)).toEqual(['y', 'x']);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ seed: 1, scenario: 's', tables: { orders: 12 }, tenants: [{ id: 1, rows: 2, ranges: { orders: [1, 2] } }, { id: 2, rows: 10, ranges: { orders: [3, 10] } }] }));
    const fromData = await loadTenantTable({ dataDir: dir, scenario: sc });
    expect(fromData?.table.tenants.map((t) => [t.id, t.rows, t.ranges?.orders])).toEqual([['2', 10, [3, 10]], ['1', 2, [1, 2]]]);
    expect(fromData?.manifest?.seed).toBe(1);
  });
});
