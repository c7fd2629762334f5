/**
 * Bad `data:` sections: one test per kind of mistake, each asserting the
 * message names the file, the line and the field, and what was expected.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { parseScenario } from '../../src/scenario/scenario.js';
import { datasetOf } from './helpers.js';
import { generate } from '../../src/data/index.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FILE = '/tmp/s.yaml';

/** Every problem of a scenario, as `file:line: field: message` lines. */
const problems = (yaml: string): string => {
  try {
    parseScenario(yaml, FILE);
  } catch (e) {
    if (e instanceof InputError) return e.message;
    throw e;
  }
  throw new Error('expected an InputError');
};

/** A scenario whose line 7 onwards are the columns of table `t` (tenant table `org`). */
const withColumns = (columns: string, extra = ''): string => `name: x
data:
  tenant_table: org
  tables:
    t:
      rows: 100
      columns:
${columns}
    org:
      rows: 10
      columns:
        id: { id: sequential }
${extra}`;

describe('data spec mistakes', () => {
  it('unknown keys, with a did-you-mean', () => {
    const msg = problems(`name: x
data:
  tenant_tabel: org
  tables:
    org:
      rowz: 10
      columns:
        id: { id: sequential, strat: 5 }
`);
    expect(msg).toContain(`${FILE}:3: data.tenant_tabel: unknown key (did you mean "tenant_table"?)`);
    expect(msg).toContain(`${FILE}:6: data.tables.org.rowz: unknown key (did you mean "rows"?)`);
    expect(msg).toContain(`${FILE}:5: data.tables.org.rows: is required`);
    expect(msg).toContain(`${FILE}:8: data.tables.org.columns.id.strat: unknown key (did you mean "start"?); a id column takes: id, start, type, nulls`);
  });

  it('a column without a kind, or with two', () => {
    const msg = problems(withColumns(`        a: { fakr: person.fullName }
        b: { faker: person.fullName, constant: 1 }`));
    expect(msg).toContain(`${FILE}:8: data.tables.t.columns.a: expected one kind of column (did you mean "faker"?): id, ref, faker, choice, number, timestamp, constant`);
    expect(msg).toContain(`${FILE}:9: data.tables.t.columns.b: a column has one kind; got faker and constant`);
  });

  it('unknown faker modules and methods, with a did-you-mean', () => {
    const msg = problems(withColumns(`        a: { faker: persn.fullName }
        b: { faker: person.fulName }
        c: { faker: internet }
        d: { faker: company.nme }`));
    expect(msg).toContain(`${FILE}:8: data.tables.t.columns.a.faker: unknown faker module "persn" (did you mean "person"?)`);
    expect(msg).toContain(`${FILE}:9: data.tables.t.columns.b.faker: unknown faker method "person.fulName" (did you mean "person.fullName"?); person has: `);
    expect(msg).toContain(`${FILE}:10: data.tables.t.columns.c.faker: unknown faker method "internet"`);
    expect(msg).toContain(`${FILE}:11: data.tables.t.columns.d.faker: unknown faker method "company.nme" (did you mean "company.name"?)`);
  });

  it('faker arguments the method rejects (found when the pool is made)', async () => {
    await expect(datasetOf(withColumns('        n: { faker: number.int, args: { min: 10, max: 1 } }'))).rejects.toThrow(
      /\/tmp\/test-scenario\.yaml:8: data\.tables\.t\.columns\.n\.faker: faker number\.int\(\{"min":10,"max":1\}\) failed: /,
    );
    await expect(datasetOf(withColumns('        n: { faker: helpers.arrayElements, args: [[1, 2, 3]] }'))).rejects.toThrow(/columns\.n\.faker: faker helpers\.arrayElements returns a list, not a value/);
  });

  it('bad weights', () => {
    const msg = problems(withColumns(`        a: { choice: { pending: -0.03, paid: 0.97 } }
        b: { choice: { pending: lots } }
        c: { choice: { x: 0, y: 0 } }
        d: { choice: [] }
        e: { choice: 5 }`));
    expect(msg).toContain(`${FILE}:8: data.tables.t.columns.a.choice.pending: expected a weight >= 0 (a share such as 0.03), got -0.03`);
    expect(msg).toContain(`${FILE}:9: data.tables.t.columns.b.choice.pending: expected a weight >= 0 (a share such as 0.03), got "lots"`);
    expect(msg).toContain(`${FILE}:10: data.tables.t.columns.c.choice: weights are all 0: at least one must be > 0`);
    expect(msg).toContain(`${FILE}:11: data.tables.t.columns.d.choice: expected at least one value`);
    expect(msg).toContain(`${FILE}:12: data.tables.t.columns.e.choice: expected a mapping, got number 5`);
  });

  it('references to unknown tables, or to tables without an id', () => {
    const msg = problems(withColumns(`        a: { ref: orgg }
        b: { ref: noid }`, `    noid:
      rows: 5
      columns:
        v: { constant: 1 }
`));
    expect(msg).toContain(`${FILE}:8: data.tables.t.columns.a.ref: unknown table "orgg" (did you mean "org"?); tables: t, org, noid`);
    expect(msg).toContain(`${FILE}:9: data.tables.t.columns.b.ref: table "noid" has no id column to refer to`);
  });

  it('per_tenant without a tenant table, a minimum above the rows, a bad main table', () => {
    expect(problems(`name: x
data:
  tables:
    t:
      rows: 100
      per_tenant: { zipf: 1 }
      columns:
        id: { id: sequential }
`)).toContain(`${FILE}:6: data.tables.t.per_tenant: per_tenant needs \`data.tenant_table\` (the table of tenants)`);
    const msg = problems(`name: x
data:
  tenant_table: org
  main_table: org
  tables:
    org:
      rows: 10
      columns:
        id: { id: sequential }
    t:
      rows: 100
      per_tenant: { zipf: -1, min: 11 }
      columns:
        id: { id: sequential }
`);
    expect(msg).toContain(`${FILE}:4: data.main_table: "org" is not spread over tenants: give it \`per_tenant\``);
    expect(msg).toContain(`${FILE}:12: data.tables.t.per_tenant.zipf: expected a number >= 0, got -1`);
  });

  it('a minimum per tenant larger than the table', () => {
    expect(problems(withColumns('        id: { id: sequential }\n        o: { ref: org }').replace('rows: 100', 'rows: 100\n      per_tenant: { min: 11 }'))).toContain(
      `${FILE}:7: data.tables.t.per_tenant.min: 11 rows for each of 10 tenants is more than the table's 100 rows`,
    );
  });

  it('numbers: unknown distributions, missing or foreign parameters, max below min', () => {
    const msg = problems(withColumns(`        a: { number: poisson, mean: 3 }
        b: { number: lognormal, median: 40 }
        c: { number: normal, mean: 1, sd: 1, median: 3 }
        d: { number: uniform, min: 5, max: 1 }
        e: { number: lognormal, median: 4, mu: 1, sigma: 1 }
        f: { number: normal, mean: 0, sd: 1, decimals: 1.5 }`));
    expect(msg).toContain(`${FILE}:8: data.tables.t.columns.a.number: expected one of uniform, normal, lognormal, got string "poisson"`);
    expect(msg).toContain(`${FILE}:9: data.tables.t.columns.b: a lognormal number needs \`sigma\``);
    expect(msg).toContain(`${FILE}:10: data.tables.t.columns.c.median: not an option of a normal number; expected: mean, sd, min, max, decimals, type, nulls`);
    expect(msg).toContain(`${FILE}:11: data.tables.t.columns.d.max: expected max >= min (5), got 1`);
    expect(msg).toContain(`${FILE}:12: data.tables.t.columns.e.mu: give either \`median\` or \`mu\`, not both`);
    expect(msg).toContain(`${FILE}:13: data.tables.t.columns.f.decimals: expected a whole number, got 1.5`);
  });

  it('timestamps: bad expressions, unknown columns, signup without tenants, ascending that cannot be', () => {
    const msg = problems(withColumns(`        a: { timestamp: { from: "now ++ 3d" } }
        b: { timestamp: { from: "now - 3 days" } }
        c: { timestamp: { from: craeted_at } }
        d: { timestamp: { at: signup, growth: 5% } }
        e: { timestamp: { from: a, order: ascending } }
        f: { timestamp: { from: o.nope } }
        o: { ref: org }`, `    g:
      rows: 5
      columns:
        at: { timestamp: { from: signup } }
`));
    expect(msg).toContain(`${FILE}:8: data.tables.t.columns.a.timestamp.from: expected a time: signup, now, an ISO date, a column`);
    expect(msg).toContain(`${FILE}:9: data.tables.t.columns.b.timestamp.from: expected a time:`);
    expect(msg).toContain(`${FILE}:10: data.tables.t.columns.c.timestamp.from: t has no timestamp column "craeted_at"`);
    expect(msg).toContain(`${FILE}:11: data.tables.t.columns.d.timestamp.growth: \`at\` gives one point in time: it goes without \`from\`, \`to\`, \`growth\` and \`order\``);
    expect(msg).toContain(`${FILE}:12: data.tables.t.columns.e.timestamp.order: \`ascending\` needs bounds that are the same for every row of a tenant`);
    expect(msg).toContain(`${FILE}:13: data.tables.t.columns.f.timestamp.from: org has no timestamp column "nope"`);
    expect(msg).toContain(`${FILE}:22: data.tables.g.columns.at.timestamp.from: "signup" is the tenant's signup time: only tables with per_tenant and the tenant table have one (give \`from:\` explicitly, e.g. "now - 1y")`);
  });

  it('timestamps that depend on each other in a circle', () => {
    expect(problems(withColumns(`        a: { timestamp: { from: b } }
        b: { timestamp: { at: a + 1h } }`))).toContain(`${FILE}:8: data.tables.t.columns.a.timestamp: timestamps depend on each other in a circle: t.a → t.b → t.a`);
  });

  it('bad indexes', () => {
    const msg = problems(withColumns('        id: { id: sequential }', `  indexes:
    - orgs(id)
    - org(idd)
    - "org id"
    - org(id)
    - org(id)
`));
    expect(msg).toContain(`${FILE}:14: data.indexes[0]: unknown table "orgs" (did you mean "org"?)`);
    expect(msg).toContain(`${FILE}:15: data.indexes[1]: org has no column "idd" (did you mean "id"?)`);
    expect(msg).toContain(`${FILE}:16: data.indexes[2]: expected an index such as "orders(tenant_id, created_at DESC)"`);
    expect(msg).toContain(`${FILE}:18: data.indexes[4]: index org(id) is declared twice`);
  });

  it('two id columns, bad names, types, NULL fractions, locales and now', () => {
    const msg = problems(`name: x
data:
  now: yesterday
  locale: klingon
  tables:
    T:
      rows: 0
      columns:
        id: { id: sequential, nulls: 5% }
        id2: { id: uuid }
        Name: { constant: x, type: "text; drop table x" }
        v: { constant: x, nulls: 150% }
`);
    expect(msg).toContain(`${FILE}:3: data.now: expected an ISO 8601 time such as 2025-06-01T00:00:00Z, got "yesterday"`);
    expect(msg).toContain(`${FILE}:4: data.locale: unknown faker locale "klingon"`);
    expect(msg).toContain(`${FILE}:6: data.tables.T: expected a lower-case SQL name (letters, digits, _) as table name`);
    expect(msg).toContain(`${FILE}:7: data.tables.T.rows: expected a number >= 1, got 0`);
    expect(msg).toContain(`${FILE}:9: data.tables.T.columns.id.nulls: an id column cannot hold NULLs`);
    expect(msg).toContain(`${FILE}:10: data.tables.T.columns.id2: a table has at most one id column (id is one)`);
    expect(msg).toContain(`${FILE}:11: data.tables.T.columns.Name: expected a lower-case SQL name (letters, digits, _) as column name`);
    expect(msg).toContain(`${FILE}:11: data.tables.T.columns.Name.type: expected an SQL type such as text, bigint, numeric(12,2), timestamptz, got "text; drop table x"`);
    expect(msg).toContain(`${FILE}:12: data.tables.T.columns.v.nulls: expected a fraction from 0 to below 100%, got "150%"`);
  });

  it('ages: without a tenant table, bad growth, churn, horizon and correlation', () => {
    const msg = problems(`name: x
data:
  ages: { growth: lots, churn: 100%, horizon: forever, size_correlation: 2 }
  tables:
    t:
      rows: 5
      columns:
        id: { id: sequential }
`);
    expect(msg).toContain(`${FILE}:3: data.ages: ages are tenant signups: set \`data.tenant_table\` too`);
    expect(msg).toContain(`${FILE}:3: data.ages.growth: expected a fraction such as 0.05 or 5%, got "lots"`);
    expect(msg).toContain(`${FILE}:3: data.ages.churn: expected a fraction from 0 to below 100%, got "100%"`);
    expect(msg).toContain(`${FILE}:3: data.ages.horizon: expected a number of months or a span such as 60mo, 5y or 90d, got "forever"`);
    expect(msg).toContain(`${FILE}:3: data.ages.size_correlation: expected a number <= 1, got 2`);
  });

  it('the tenant table must have an id and cannot itself be per_tenant', () => {
    const msg = problems(`name: x
data:
  tenant_table: org
  tables:
    org:
      rows: 10
      per_tenant: { zipf: 1 }
      columns:
        name: { constant: x }
`);
    expect(msg).toContain(`${FILE}:8: data.tables.org.columns: the tenant table needs an id column`);
    expect(msg).toContain(`${FILE}:7: data.tables.org.per_tenant: the tenant table itself cannot be spread over tenants`);
  });

  it('reports every problem at once', () => {
    const e = (() => {
      try {
        parseScenario(withColumns(`        a: { fakr: x }
        b: { choice: { p: -1 } }
        c: { ref: nope }`), FILE);
      } catch (err) {
        return err as InputError;
      }
      return null;
    })();
    expect(e).toBeInstanceOf(InputError);
    expect(e?.problems.map((p) => [p.line, p.field])).toEqual([
      [8, 'data.tables.t.columns.a'],
      [9, 'data.tables.t.columns.b.choice.p'],
      [10, 'data.tables.t.columns.c.ref'],
    ]);
    expect(e?.message).toMatch(/^3 problems:/);
  });
});

describe('faker mistakes found while generating', () => {
  it('are reported with file, line and field when the pools are built in the background', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ps-spec-'));
    try {
      const scenario = parseScenario(withColumns('        n: { faker: number.int, args: { min: 10, max: 1 } }'), FILE);
      const err = await generate(scenario, { out: dir }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).message).toMatch(/^\/tmp\/s\.yaml:8: data\.tables\.t\.columns\.n\.faker: faker number\.int\(\{"min":10,"max":1\}\) failed: /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
