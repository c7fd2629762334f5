/**
 * Determinism: the same scenario, seed and scale give byte-identical output
 * whatever the chunk size or the number of worker threads, run after run;
 * different seeds give different data.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/data/index.js';
import { workerChunks } from '../../src/data/workers.js';
import { datasetOf, tableText } from './helpers.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const scenarioFile = join(PACKAGE_ROOT, 'scenarios/saas-orders.yaml');

// A scenario touching every column kind, so each is covered by the determinism checks.
const EVERY_KIND = `name: kinds
data:
  tenant_table: orgs
  tables:
    orgs:
      rows: 50
      columns:
        id: { id: uuid }
        name: { faker: company.name, pool: 20 }
        signed_up: { timestamp: { at: signup } }
    users:
      rows: 2000
      per_tenant: { zipf: 1.1, min: 1 }
      columns:
        id: { id: sequential, start: 1000 }
        org_id: { ref: orgs }
        email: { faker: internet.email, unique: true }
        role: { choice: [admin, member, viewer] }
        score: { number: normal, mean: 50, sd: 10, decimals: 1, min: 0 }
        joined: { timestamp: { from: signup, growth: 10% } }
        left_at: { timestamp: { from: joined, to: joined + 90d }, nulls: 70% }
    events:
      rows: 20000
      per_tenant: { zipf: 1.1 }
      columns:
        id: { id: sequential }
        org_id: { ref: orgs }
        user_id: { ref: users, nulls: 5% }
        kind: { choice: { view: 0.8, click: 0.15, buy: 0.05 } }
        amount: { number: lognormal, median: 20, sigma: 1.2, decimals: 2 }
        at: { timestamp: { from: user_id.joined, to: now } }
        src: { constant: "web, \\"beta\\"" }
`;

describe('determinism', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('gives the same bytes for any chunk size, in CSV and NDJSON', async () => {
    const ds = await datasetOf(EVERY_KIND, { seed: 42 });
    for (const table of ['orgs', 'users', 'events']) {
      for (const format of ['csv', 'ndjson'] as const) {
        const reference = sha(await tableText(ds, table, format, 1_000_000));
        for (const chunk of [1, 7, 999, 4096]) {
          if (chunk === 1 && table === 'events') continue; // 20,000 one-row chunks add time, not coverage
          expect(sha(await tableText(ds, table, format, chunk)), `${table} ${format} chunk ${chunk}`).toBe(reference);
        }
      }
    }
  });

  it('gives the same bytes with 1 or 2 worker threads as on the main thread', async () => {
    const ds = await datasetOf(EVERY_KIND, { seed: 42 });
    for (const workers of [1, 2]) {
      const source = workerChunks(ds, workers);
      try {
        for (const table of ['orgs', 'users', 'events']) {
          expect(sha(await tableText(ds, table, 'csv', 333, source)), `${table} with ${workers} workers`).toBe(sha(await tableText(ds, table, 'csv', 8192)));
        }
      } finally {
        await source.close?.();
      }
    }
  });

  it('gives byte-identical directories run after run (the default scenario, files and manifest)', async () => {
    const a = await mkdtemp(join(tmpdir(), 'ps-det-'));
    const b = await mkdtemp(join(tmpdir(), 'ps-det-'));
    dirs.push(a, b);
    await generate(scenarioFile, { out: a, seed: 5, scale: 0.25 });
    await generate(scenarioFile, { out: b, seed: 5, scale: 0.25, chunkRows: 1000, workers: 2 });
    const files = (await readdir(a)).sort();
    expect(files).toEqual(['accounts.csv', 'manifest.json', 'orders.csv', 'schema.sql', 'tenants.csv']);
    expect((await readdir(b)).sort()).toEqual(files);
    for (const f of files) expect(sha(await readFile(join(b, f), 'utf8')), f).toBe(sha(await readFile(join(a, f), 'utf8')));
  });

  it('gives different data for different seeds', async () => {
    const one = await datasetOf(EVERY_KIND, { seed: 1 });
    const two = await datasetOf(EVERY_KIND, { seed: 2 });
    for (const table of ['orgs', 'users', 'events']) {
      const x = (await tableText(one, table)).trim().split('\n');
      const y = (await tableText(two, table)).trim().split('\n');
      const same = x.filter((line, k) => line === y[k]).length;
      expect(same / x.length, table).toBeLessThan(0.01);
    }
    // The tenant sizes are permuted differently too.
    expect(one.plan.byName.get('users')?.counts).not.toEqual(two.plan.byName.get('users')?.counts);
  });
});
