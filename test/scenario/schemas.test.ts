/**
 * The JSON Schemas of scenario and profile files (docs/scenario.schema.json,
 * docs/profile.schema.json), which editors use through a
 * `# yaml-language-server: $schema=…` line. They hold the structure only, so
 * the two directions are tested separately:
 * - never stricter than prodshape: every shipped file, and files written to
 *   use every form the loader accepts, pass both the loader and the schema;
 * - catching what they can: known-bad files fail both, and every file of the
 *   bad-input corpus (test/fixtures/bad) fails the schema, except those
 *   listed below that only a run can judge (a missing file, a flag).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { parseYaml } from '../../src/core/yaml-doc.js';
import { loadProfile, parseProfile } from '../../src/scenario/profile.js';
import { FAKER_LOCALES, FAKER_METHODS } from '../../src/scenario/faker-methods.js';
import { loadScenario, parseScenario } from '../../src/scenario/scenario.js';
import { schemaValidator } from '../helpers/schema.js';

/** `module.method` for every faker method prodshape accepts. */
const FAKER_METHOD_NAMES = Object.entries(FAKER_METHODS).flatMap(([m, fs]) => fs.map((f) => `${m}.${f}`));

// After a faker upgrade, UPDATE_FAKER_METHODS=1 rewrites the schema's two lists (before it is compiled below),
// as test/scenario/faker-methods.test.ts rewrites src/scenario/faker-methods.ts.
if (process.env.UPDATE_FAKER_METHODS === '1') {
  const file = join(PACKAGE_ROOT, 'docs', 'scenario.schema.json');
  const text = readFileSync(file, 'utf8')
    .replace(/("fakerMethod": \{.*"enum": )\[[^\]]*\]/, `$1${JSON.stringify(FAKER_METHOD_NAMES)}`)
    .replace(/("fakerLocale": \{.*"enum": )\[[^\]]*\]/, `$1${JSON.stringify(FAKER_LOCALES)}`);
  writeFileSync(file, text);
}

type Kind = 'scenario' | 'profile';
const schemaErrors: Record<Kind, (value: unknown) => string[]> = {
  scenario: schemaValidator(join(PACKAGE_ROOT, 'docs', 'scenario.schema.json')),
  profile: schemaValidator(join(PACKAGE_ROOT, 'docs', 'profile.schema.json')),
};
const loaderAccepts: Record<Kind, (text: string) => void> = {
  scenario: (text) => void parseScenario(text),
  profile: (text) => void parseProfile(text),
};
const yamlFiles = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => join(dir, f));

describe('shipped files', () => {
  const shipped: [Kind, string][] = [
    ...yamlFiles(join(PACKAGE_ROOT, 'profiles')).map((f): [Kind, string] => ['profile', f]),
    ...yamlFiles(join(PACKAGE_ROOT, 'scenarios')).map((f): [Kind, string] => ['scenario', f]),
  ];

  it('are all found (5 profiles, 2 scenarios at least)', () => {
    expect(shipped.filter(([k]) => k === 'profile').length).toBeGreaterThanOrEqual(5);
    expect(shipped.filter(([k]) => k === 'scenario').length).toBeGreaterThanOrEqual(2);
  });

  it.each(shipped)('%s %s: prodshape loads it and the schema accepts it', async (kind, file) => {
    await (kind === 'profile' ? loadProfile(file) : loadScenario(file));
    expect(schemaErrors[kind](parseYaml(readFileSync(file, 'utf8'), file).value)).toEqual([]);
  });
});

/** A scenario in every form the loader accepts (lower-case methods, numbers as seconds, percentages, each column kind and option…). */
const everyFormScenario = {
  name: 'every-form',
  description: 'Every form the loader accepts.',
  timeout: 2,
  data: {
    now: '2025-06-01T00:00:00Z',
    locale: 'en',
    tenant_table: 'tenants',
    main_table: 'orders',
    ages: { growth: '8%', churn: 0.02, horizon: '5y', size_correlation: -0.2 },
    foreign_keys: true,
    tables: {
      tenants: { rows: 10, columns: { id: { id: 'sequential', start: 100 }, name: { faker: 'company.name', pool: 50, unique: true }, created_at: { timestamp: { at: 'signup' } } } },
      orders: {
        rows: 100,
        per_tenant: { zipf: 0.8, min: 1 },
        columns: {
          id: { id: 'sequential' },
          tenant_id: { ref: 'tenants' },
          status: { choice: { pending: 0.1, paid: 0.9 } },
          channel: { choice: ['web', 'app'], nulls: '5%' },
          total: { number: 'lognormal', median: 40, sigma: 1, decimals: 2, max: 1000 },
          fee: { number: 'lognormal', mu: 1, sigma: 0.5 },
          qty: { number: 'uniform', min: 1, max: 9, type: 'integer' },
          score: { number: 'normal', mean: 50, sd: 10, min: 0, type: 'numeric(12,2)' },
          created_at: { timestamp: { from: 'signup', to: 'now', growth: '5%' } },
          shipped_at: { timestamp: { from: 'created_at', to: 'created_at + 3d', order: 'random' }, nulls: 0.1 },
          audited_at: { timestamp: { from: 'tenant_id.created_at + 1h', to: '2025-05-01' } },
          source: { constant: null },
          flag: { constant: true },
          code: { faker: 'number.int', args: { min: 1, max: 9 } },
        },
      },
      events: { rows: 50, per_tenant: {}, sort_by: 'created_at', columns: { id: { id: 'uuid' }, tenant_id: { ref: 'tenants' }, created_at: { timestamp: { from: 'now - 1y' } } } },
    },
    indexes: ['orders(tenant_id, created_at DESC)', 'UNIQUE events(id)'],
  },
  tenants: { manifest: 'data/manifest.json' },
  endpoints: [
    { name: 'list-orders', path: '/tenants/{tenant}/orders?status=pending', weight: 0.5, method: 'get', tenant: 'uniform', timeout: '1500ms', headers: { 'X-Token': '${TOKEN}', 'X-Tabbed': 'a\tb' } },
    { name: 'create', path: '/orders', method: 'POST', body: { total: '{int:1:5}' } },
  ],
  actions: {
    deploy: { http: 'post /admin/deploy', headers: { 'X-Key': '1' }, body: 'go', timeout: '2m' },
    restart: { run: 'systemctl restart app', timeout: 30 },
  },
  observe: {
    prometheus: '/metrics',
    interval: '500ms',
    metrics: ['app_cache_*'],
    pool: { in_use: 'pool_in_use' },
    postgres: { url: '${DATABASE_URL}', log: '/var/log/postgresql.log' },
    mysql: { url: '${SHOP_DB_URL}' },
  },
  plans: [{ name: 'pending', sql: 'SELECT 1 WHERE $1 IS NOT NULL', params: ['{tenant}'] }],
  slo: ['p99<300ms', 'list-orders:p95<=0.1s', 'errors<0.01', 'MAX < 5s', 'dropped<0.1%', 'p99.9<800us'],
};

/** A profile in every form the loader accepts. */
const everyFormProfile = {
  name: 'every-form',
  description: 'Every form the loader accepts.',
  arrival: 'constant',
  stages: [
    { name: 'hold', duration: 30, rate: 10, clock: '05:00' },
    { duration: '1h30m', step: 20, clock: '06:30' },
    { name: 'ramp', duration: '1.5s', from: 0, to: 10_000_000, clock: '23:00' },
  ],
  clock_end: '23:59',
  events: [{ at: 0, action: 'deploy' }, { at: '1h', action: 'flush', optional: true }],
  fit: { zipf_s: 0.9, source: 'access.log' },
  demo: { peak_share: 1.5 },
};

describe('the schemas are never stricter than prodshape', () => {
  it.each([['scenario', everyFormScenario], ['profile', everyFormProfile]] as [Kind, object][])('a %s in every accepted form passes both', (kind, doc) => {
    loaderAccepts[kind](stringify(doc));
    expect(schemaErrors[kind](doc)).toEqual([]);
  });
});

/** `base` with the value at `path` replaced (undefined: removed). */
const withChange = (base: object, path: string[], value: unknown): object => {
  const copy = structuredClone(base) as Record<string, unknown>;
  let at = copy;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string, unknown>;
  const last = path.at(-1) ?? '';
  if (value === undefined) delete at[last];
  else at[last] = value;
  return copy;
};

const COL = ['data', 'tables', 'orders', 'columns'];
const BAD: [string, Kind, object][] = [
  ['an unknown top-level key', 'scenario', withChange(everyFormScenario, ['endpoint'], [])],
  ['no name', 'scenario', withChange(everyFormScenario, ['name'], undefined)],
  ['a column of no known kind', 'scenario', withChange(everyFormScenario, [...COL, 'status'], { choise: ['a'] })],
  ['a column of two kinds', 'scenario', withChange(everyFormScenario, [...COL, 'status'], { choice: ['a'], constant: 'a' })],
  ['a uniform number without max', 'scenario', withChange(everyFormScenario, [...COL, 'qty'], { number: 'uniform', min: 1 })],
  ['a log-normal number with median and mu', 'scenario', withChange(everyFormScenario, [...COL, 'fee'], { number: 'lognormal', median: 3, mu: 1, sigma: 1 })],
  ['a timestamp `at` with `from`', 'scenario', withChange(everyFormScenario, [...COL, 'created_at'], { timestamp: { at: 'now', from: 'signup' } })],
  ['a time that is no time', 'scenario', withChange(everyFormScenario, [...COL, 'created_at'], { timestamp: { from: 'last tuesday' } })],
  ['nulls of 100%', 'scenario', withChange(everyFormScenario, [...COL, 'channel', 'nulls'], '100%')],
  ['a Zipf exponent of 6', 'scenario', withChange(everyFormScenario, ['data', 'tables', 'orders', 'per_tenant', 'zipf'], 6)],
  ['a misspelt faker method', 'scenario', withChange(everyFormScenario, ['data', 'tables', 'tenants', 'columns', 'name', 'faker'], 'company.nme')],
  ['an unknown faker locale', 'scenario', withChange(everyFormScenario, ['data', 'locale'], 'en_XX')],
  ['a table name in capitals', 'scenario', withChange(everyFormScenario, ['data', 'tables', 'Orders'], { rows: 1, columns: { id: { id: 'uuid' } } })],
  ['an index without parentheses', 'scenario', withChange(everyFormScenario, ['data', 'indexes'], ['orders tenant_id'])],
  ['tenants from both a CSV and a manifest', 'scenario', withChange(everyFormScenario, ['tenants'], { csv: 't.csv', manifest: 'm.json' })],
  ['an action both http and run', 'scenario', withChange(everyFormScenario, ['actions', 'deploy'], { http: 'POST /d', run: 'true' })],
  ['an http action without a method', 'scenario', withChange(everyFormScenario, ['actions', 'deploy'], { http: '/admin/deploy' })],
  ['pool gauges without prometheus', 'scenario', withChange(everyFormScenario, ['observe', 'prometheus'], undefined)],
  ['a scrape interval of 0', 'scenario', withChange(everyFormScenario, ['observe', 'interval'], 0)],
  ['an SLO without a threshold', 'scenario', withChange(everyFormScenario, ['slo'], ['p99 300ms'])],
  ['a method FETCH', 'scenario', withChange(everyFormScenario, ['endpoints', 0, 'method'].map(String), 'FETCH')],
  ['a ramp without `to`', 'profile', withChange(everyFormProfile, ['stages', '2', 'to'], undefined)],
  ['a hold with `to`', 'profile', withChange(everyFormProfile, ['stages', '0', 'to'], 5)],
  ['a stage of 0s', 'profile', withChange(everyFormProfile, ['stages', '1', 'duration'], '0s')],
  ['an event without an action', 'profile', withChange(everyFormProfile, ['events', '0', 'action'], undefined)],
  ['a demo peak share of 0', 'profile', withChange(everyFormProfile, ['demo', 'peak_share'], 0)],
  ['a clock of 24:00', 'profile', withChange(everyFormProfile, ['stages', '2', 'clock'], '24:00')],
  ['a clock_end of 9am', 'profile', withChange(everyFormProfile, ['clock_end'], '9am')],
  ['`stage` for `stages`', 'profile', withChange(withChange(everyFormProfile, ['stages'], undefined), ['stage'], [])],
];

describe('known-bad files fail both prodshape and the schema', () => {
  it.each(BAD)('%s (%s)', (_what, kind, doc) => {
    expect(() => loaderAccepts[kind](stringify(doc))).toThrow();
    expect(schemaErrors[kind](doc)).not.toEqual([]);
  });
});

describe('faker methods and locales', () => {
  it('the scenario schema lists those prodshape accepts (src/scenario/faker-methods.ts), no more, no fewer', () => {
    const file = join(PACKAGE_ROOT, 'docs', 'scenario.schema.json');
    const schema = JSON.parse(readFileSync(file, 'utf8')) as { definitions: Record<string, { enum?: string[] }> };
    const hint = 'run UPDATE_FAKER_METHODS=1 npx vitest run test/scenario/schemas.test.ts';
    expect(schema.definitions.fakerMethod?.enum, hint).toEqual(FAKER_METHOD_NAMES);
    expect(schema.definitions.fakerLocale?.enum, hint).toEqual(FAKER_LOCALES);
  });
});

/**
 * Files of the bad-input corpus that are well-formed on their own: what is
 * wrong with them shows only in a run (with its flags, its other files).
 */
const BEYOND_THE_FILE: Record<string, string> = {
  'profiles/duration-huge.yaml': 'longer than 30 days once --speed and --duration apply',
  'profiles/long.yaml': 'long for the bad-input case that pairs it with a flag',
  'profiles/many-stages-huge.yaml': 'longer than 30 days once --speed applies',
  'profiles/rate-high.yaml': 'a rate refused with the case\'s flags',
  'profiles/event-after-end.yaml': 'an event after the profile\'s end: a sum over the stages',
  'profiles/event-unknown-action.yaml': 'names an action the scenario run with it lacks',
  'scenarios/no-data.yaml': 'no data section, needed by generate only',
  'scenarios/no-endpoints.yaml': 'no endpoints, needed by replay only',
  'scenarios/no-plans.yaml': 'no plans, needed by plans only',
  'scenarios/tenants-csv-missing.yaml': 'a tenants CSV that does not exist',
  'scenarios/tenants-manifest-missing.yaml': 'a manifest that does not exist',
};

describe('the bad-input corpus (test/fixtures/bad)', () => {
  const corpus = join(PACKAGE_ROOT, 'test', 'fixtures', 'bad');
  const files = (['profile', 'scenario'] as const).flatMap((kind) => yamlFiles(join(corpus, `${kind}s`)).map((f) => ({ kind, name: `${kind}s/${f.split('/').pop() ?? ''}`, file: f })));

  it('every well-formed YAML file fails the schema, except those only a run can judge', () => {
    const accepted: string[] = [];
    let judged = 0;
    for (const { kind, name, file } of files) {
      let value: unknown;
      try {
        value = parseYaml(readFileSync(file, 'utf8'), file).value;
      } catch {
        continue; // Not YAML (syntax error, alias bomb, duplicate key): refused before any schema.
      }
      judged++;
      if (schemaErrors[kind](value).length === 0) accepted.push(name);
    }
    expect(judged).toBeGreaterThan(30);
    expect(accepted.sort()).toEqual(Object.keys(BEYOND_THE_FILE).sort());
  });
});

describe('the docs', () => {
  it('the editor line in the docs names schemas the package ships', () => {
    const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { name: string; files: string[] };
    const lines = ['README.md', 'docs/design.md', 'docs/replay.md', 'docs/generate.md'].flatMap((page) =>
      [...readFileSync(join(PACKAGE_ROOT, page), 'utf8').matchAll(/# yaml-language-server: \$schema=([^\s`]+)/g)].map((m) => m[1] ?? ''));
    expect(lines.length).toBeGreaterThanOrEqual(5);
    for (const url of lines) {
      const inPackage = url.replace(/^.*node_modules\//, '').replace(`${pkg.name}/`, '');
      expect(['docs/scenario.schema.json', 'docs/profile.schema.json']).toContain(inPackage);
      expect(pkg.files).toContain(inPackage.split('/')[0]);
    }
  });

  it('a profile\'s editor line is no part of its description', () => {
    const p = parseProfile('# yaml-language-server: $schema=../node_modules/prodshape/docs/profile.schema.json\n# The peak.\n# Twice.\nstages: [{ duration: 1s, rate: 1 }]\n');
    expect(p.description).toBe('The peak.\nTwice.');
  });
});
