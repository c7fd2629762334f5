/**
 * Writers round-trip: the CSV (header, RFC 4180, COPY's NULL convention)
 * parsed back with csv-parse equals the rows as the NDJSON writer gives them,
 * including strings with commas, quotes, line breaks, empty strings, `\.`
 * and NULLs; the files written to a directory hold the same bytes.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/data/index.js';
import { parseScenario } from '../../src/scenario/scenario.js';
import { datasetOf, tableText } from './helpers.js';

const TRICKY = `name: tricky
data:
  tenant_table: orgs
  tables:
    orgs:
      rows: 30
      columns:
        id: { id: sequential }
        name: { faker: company.name }
    notes:
      rows: 3000
      per_tenant: { zipf: 1 }
      columns:
        id: { id: uuid }
        org_id: { ref: orgs }
        body: { choice: ["a,b", "say \\"hi\\"", "line1\\nline2", "", "\\\\.", " padded ", "ünï ✓", "cr\\rlf"] }
        maybe: { faker: person.firstName, nulls: 30% }
        n: { number: uniform, min: -5, max: 5, decimals: 3 }
        flag: { constant: true }
        note: { constant: null }
        at: { timestamp: { from: "2020-01-01", to: "2020-01-02" } }
`;

type Json = string | number | boolean | null;

const parseCsv = (text: string): { header: string[]; rows: (string | null)[][] } => {
  const records = parse(text, {
    // COPY's convention: an unquoted empty field is NULL, a quoted one the empty string.
    cast: (value: string, ctx: { quoting: boolean }) => (value === '' && !ctx.quoting ? null : value),
    relax_column_count: false,
  }) as (string | null)[][];
  return { header: (records[0] ?? []) as string[], rows: records.slice(1) };
};

const sameCell = (csv: string | null, json: Json): boolean =>
  json === null ? csv === null : typeof json === 'number' ? csv !== null && Number(csv) === json : csv === String(json);

describe('CSV and NDJSON writers', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('round-trip: CSV parsed with csv-parse equals the NDJSON rows, cell by cell', async () => {
    const ds = await datasetOf(TRICKY, { seed: 9 });
    for (const t of ds.tables) {
      const csvText = t.csvHeader + (await tableText(ds, t.name, 'csv'));
      const { header, rows } = parseCsv(csvText);
      expect(header).toEqual(t.columns.map((c) => c.name));
      const json = (await tableText(ds, t.name, 'ndjson')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, Json>);
      expect(rows.length).toBe(t.plan.rows);
      expect(json.length).toBe(t.plan.rows);
      const mismatches: string[] = [];
      rows.forEach((row, k) => {
        header.forEach((col, c) => {
          if (!sameCell(row[c] ?? null, json[k]?.[col] ?? null)) mismatches.push(`${t.name} row ${k} ${col}: csv ${JSON.stringify(row[c])} json ${JSON.stringify(json[k]?.[col])}`);
        });
      });
      expect(mismatches.slice(0, 5)).toEqual([]);
    }
    // Every tricky value appeared and came back intact.
    const bodies = new Set(parseCsv(ds.tables[1]!.csvHeader + (await tableText(ds, 'notes'))).rows.map((r) => r[2]));
    expect([...bodies].sort()).toEqual(['', ' padded ', 'a,b', 'cr\rlf', 'line1\nline2', 'say "hi"', '\\.', 'ünï ✓'].sort());
  });

  it('writes the same bytes to files as the chunks, with a header line, and NDJSON one object per line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ps-csv-'));
    dirs.push(dir);
    const scenario = parseScenario(TRICKY, '/tmp/tricky.yaml');
    const { dataset, files } = await generate(scenario, { out: dir, seed: 9 });
    expect(files).toEqual({ orgs: 'orgs.csv', notes: 'notes.csv' });
    for (const t of dataset.tables) expect(await readFile(join(dir, `${t.name}.csv`), 'utf8')).toBe(t.csvHeader + (await tableText(dataset, t.name, 'csv')));
    const nd = await mkdtemp(join(tmpdir(), 'ps-ndjson-'));
    dirs.push(nd);
    const r = await generate(scenario, { out: nd, seed: 9, format: 'ndjson' });
    expect(r.files).toEqual({ orgs: 'orgs.ndjson', notes: 'notes.ndjson' });
    const lines = (await readFile(join(nd, 'notes.ndjson'), 'utf8')).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.length).toBe(3000);
    for (const l of lines.slice(0, 50)) expect(Object.keys(JSON.parse(l) as object)).toEqual(['id', 'org_id', 'body', 'maybe', 'n', 'flag', 'note', 'at']);
    expect(JSON.parse(await readFile(join(nd, 'manifest.json'), 'utf8'))).toMatchObject({ format: 'ndjson', files: r.files, tables: { orgs: 30, notes: 3000 } });
  });
});
