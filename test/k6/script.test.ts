import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { createRng } from '../../src/core/rng.js';
import { exportK6 } from '../../src/k6/export.js';
import { loadProfile } from '../../src/scenario/profile.js';
import { loadScenario } from '../../src/scenario/scenario.js';
import { loadTenantTable, trackedTenantIndexes } from '../../src/traffic/tenants.js';
import { allProfiles, allScenarios, FIXTURES, shipped } from './profiles.js';
import { loadShim } from './shim.js';
import { typeCheck } from './typecheck.js';


/** A dataset manifest for scenarios that expect `--data DIR`: 300 Zipf-sized tenants with id ranges for every table a placeholder names. */
const syntheticDataDir = async (scenarioFile: string): Promise<string> => {
  const scenario = await loadScenario(scenarioFile);
  const tables = new Set([...JSON.stringify(scenario.endpoints).matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\.id\}/g)].map((m) => m[1] ?? ''));
  const dir = mkdtempSync(join(tmpdir(), 'prodshape-k6-data-'));
  const next: Record<string, number> = {};
  const tenants = Array.from({ length: 300 }, (_, i) => {
    const rows = i >= 290 ? 0 : Math.floor(50_000 / (i + 1));
    const ranges: Record<string, [number, number]> = {};
    for (const t of tables) {
      ranges[t] = [next[t] ?? 1, rows];
      next[t] = (next[t] ?? 1) + rows;
    }
    return { id: `tenant-${i + 1}`, rows, ranges };
  });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ seed: 1, scenario: scenario.name, tables: {}, tenants }));
  return dir;
};

/** Pearson chi-square statistic of observed counts against expected probabilities. */
const chiSquare = (observed: number[], probabilities: number[]): number => {
  const n = observed.reduce((s, x) => s + x, 0);
  return observed.reduce((s, o, i) => {
    const e = n * (probabilities[i] ?? 0);
    return s + (e > 0 ? ((o - e) ** 2) / e : 0);
  }, 0);
};

describe('k6 script export', () => {
  it('type-checks against @types/k6 for every shipped and fixture profile × scenario', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prodshape-k6-tsc-'));
    const found = shipped();
    const files: string[] = [];
    const scenarios = allScenarios();
    const profiles = allProfiles();
    let refused = 0;
    for (const [i, s] of scenarios.entries()) {
      const isFixture = s.startsWith(FIXTURES);
      const dataDir = isFixture ? null : await syntheticDataDir(s);
      const scenario = await loadScenario(s);
      for (const [j, p] of profiles.entries()) {
        const out = join(dir, `s${i}_p${j}.ts`);
        const profile = await loadProfile(p);
        const missing = profile.events.filter((e) => !e.optional && scenario.actions[e.action] === undefined).map((e) => e.action);
        // Alternate the options so both target branches and transforms are covered.
        const exported = exportK6(s, p, out, {
          dataDir,
          ...(j % 2 === 0 ? { target: 'http://127.0.0.1:8080', speed: 10 } : { rateScale: 0.37, slo: ['max<2s'] }),
        });
        // What replay refuses, the export refuses too, saying why.
        if (scenario.endpoints.length === 0) {
          await expect(exported, `${s} has no endpoints`).rejects.toThrow(/a replay needs at least one endpoint/);
          refused++;
        } else if (missing.length > 0) {
          await expect(exported, `${p} × ${s}`).rejects.toThrow(new RegExp(`no action named "${missing[0] ?? ''}" in the scenario`));
          refused++;
        } else {
          await exported;
          files.push(out);
        }
      }
    }
    expect(files.length + refused).toBe(scenarios.length * profiles.length);
    // Every shipped profile is exported with the fixture scenario that has the actions they need.
    expect(files.length).toBeGreaterThanOrEqual(profiles.length);
    // A scenario whose endpoints name no tenant: no data file, no SharedArray.
    const plain = join(dir, 'plain.yaml');
    writeFileSync(plain, 'name: plain\nendpoints:\n  - { name: home, path: / }\n  - { name: about, path: /about, weight: 0.25 }\n');
    await exportK6(plain, join(FIXTURES, 'fractional.yaml'), join(dir, 'plain.ts'));
    files.push(join(dir, 'plain.ts'));
    // Text from the files that could end a comment or a string early.
    const tricky = join(dir, 'tricky.yaml');
    writeFileSync(tricky, [
      'name: "it\'s */ tricky"',
      'endpoints:',
      '  - { name: glob, path: "/files/*/latest?q=a\'b`c${x}" }',
      'actions:',
      '  "re*/deploy": { http: "POST /admin/*/deploy", body: { note: "*/ \'quoted\' `tick`" } }',
      '',
    ].join('\n'));
    const trickyProfile = join(dir, 'tricky-profile.yaml');
    writeFileSync(trickyProfile, '# Ends a comment */ early, and\n# has a second line.\nstages:\n  - { duration: 10s, rate: 3 }\nevents:\n  - { at: 5s, action: "re*/deploy" }\n');
    await exportK6(tricky, trickyProfile, join(dir, 'tricky.ts'), { target: 'http://127.0.0.1:1' });
    files.push(join(dir, 'tricky.ts'));
    const trickyShim = loadShim(join(dir, 'tricky.ts'), { env: { x: 'X' } });
    trickyShim.call('traffic');
    trickyShim.call('action_re__deploy');
    expect(trickyShim.requests.map((q) => [q.url, q.body])).toEqual([
      ["http://127.0.0.1:1/files/*/latest?q=a'b`cX", null],
      ['http://127.0.0.1:1/admin/*/deploy', JSON.stringify({ note: "*/ 'quoted' `tick`" })],
    ]);
    const r = await typeCheck(dir, files);
    expect(r.output, `tsc over ${files.length} scripts (shipped: ${found.scenarios.length} scenarios, ${found.profiles.length} profiles)`).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'plain.ts'), 'utf8')).not.toContain('SharedArray');
  }, 120_000);

  it('the type-check catches a script that misuses the k6 API (the check is real)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prodshape-k6-tsc-bad-'));
    const out = join(dir, 'bad.ts');
    await exportK6(join(FIXTURES, 'orders.yaml'), join(FIXTURES, 'spike.yaml'), out);
    writeFileSync(out, readFileSync(out, 'utf8').replace('preAllocatedVUs:', 'preAllocatedVU:'));
    const r = await typeCheck(dir, [out]);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("'preAllocatedVU' does not exist in type 'RampingArrivalRateScenario'");
  }, 60_000);

  it('sends the endpoint mix and picks tenants by popularity, tagging each request', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prodshape-k6-shim-'));
    const out = join(dir, 'spike.ts');
    const r = await exportK6(join(FIXTURES, 'orders.yaml'), join(FIXTURES, 'spike.yaml'), out, { target: 'http://127.0.0.1:8080', tenantTags: 20 });
    const table = (await loadTenantTable({ scenario: await loadScenario(join(FIXTURES, 'orders.yaml')) }))?.table;
    if (table === undefined) throw new Error('fixture has tenants');
    const byId = new Map(table.tenants.map((t, rank) => [t.id, { ...t, rank, tenantClass: table.classes[rank] }]));
    // The tenants replay would track with --tenant-tags 20: the 20 heaviest, and samples of the rest and the empty ones.
    const tracked = new Set(trackedTenantIndexes(table, createRng(0, 'tracked-tenants'), { heavy: 20 }));
    expect(tracked.size).toBe(20 + 50 + 10);
    const rng = createRng(42, 'k6-shim');
    const shim = loadShim(out, { env: { API_TOKEN: 'sekrit-token' }, random: rng });
    expect(shim.opened).toEqual(['./spike.data.json']);
    const n = 30_000;
    for (let i = 0; i < n; i++) shim.call('traffic');
    expect(shim.requests).toHaveLength(n);

    // Endpoint mix: chi-square against the weights (df 4, p = 0.001 critical value 18.47).
    const names = r.plan.endpoints.map((e) => e.name);
    const counts = names.map((name) => shim.requests.filter((q) => q.tags.endpoint === name).length);
    expect(chiSquare(counts, r.plan.endpoints.map((e) => e.share))).toBeLessThan(18.47);

    // Tenant popularity on a weighted endpoint: the 10 largest tenants one by one
    // plus the tail lumped (df 10, p = 0.001 critical value 29.59).
    const weighted = shim.requests.filter((q) => q.tags.endpoint === 'list-orders');
    const tenantOf = (q: { url: string }): string => decodeURIComponent(/\/tenants\/([^/?]+)/.exec(q.url)?.[1] ?? '');
    const total = table.tenants.reduce((s, t) => s + t.rows, 0);
    const top = table.tenants.slice(0, 10);
    const obs = [...top.map((t) => weighted.filter((q) => tenantOf(q) === t.id).length)];
    obs.push(weighted.length - obs.reduce((s, x) => s + x, 0));
    const probs = [...top.map((t) => t.rows / total)];
    probs.push(1 - probs.reduce((s, x) => s + x, 0));
    expect(chiSquare(obs, probs)).toBeLessThan(29.59);
    expect(weighted.some((q) => byId.get(tenantOf(q))?.rows === 0)).toBe(false);

    // Uniform picking reaches the empty tenants too.
    const uniform = shim.requests.filter((q) => q.tags.endpoint === 'dashboard');
    expect(uniform.some((q) => q.tags.tenant_class === 'empty')).toBe(true);

    for (const q of shim.requests) {
      const ep = r.plan.endpoints.find((e) => e.name === q.tags.endpoint);
      expect(ep).toBeDefined();
      expect(q.method).toBe(ep?.method);
      expect(q.tags.name).toBe(ep?.path);
      if (ep?.picker === null) {
        expect(q.tags.tenant_class).toBe('none');
        expect(q.tags.tenant).toBeUndefined();
        continue;
      }
      const t = byId.get(tenantOf(q));
      expect(t, q.url).toBeDefined();
      expect(q.tags.tenant_class).toBe(t?.tenantClass);
      // Only the tracked tenants carry their id.
      expect(q.tags.tenant).toBe(tracked.has(t?.rank ?? -1) ? t?.id : undefined);
      expect(q.url.startsWith('http://127.0.0.1:8080/tenants/')).toBe(true);
    }
    const listOrders = weighted[0];
    expect(listOrders?.headers.Authorization).toBe('Bearer sekrit-token');
    expect(listOrders?.url).toMatch(/\/orders\?status=pending&limit=10$/);
    expect(listOrders?.timeout).toBe('30s');
    for (const q of shim.requests.filter((x) => x.tags.endpoint === 'get-order')) {
      const t = byId.get(tenantOf(q));
      const id = Number(/\/orders\/(\d+)$/.exec(q.url)?.[1]);
      const [first, count] = t?.ranges?.orders ?? [NaN, NaN];
      expect(id >= first && id < first + Math.max(count, 1), `${q.url} outside ${first}+${count}`).toBe(true);
    }
    const create = shim.requests.find((x) => x.tags.endpoint === 'create-order');
    expect(create?.headers['content-type']).toBe('application/json');
    expect(create?.timeout).toBe('5s');
    const body = JSON.parse(create?.body ?? '{}') as { tenant: string; items: unknown[]; note: string };
    expect(body).toEqual({ tenant: tenantOf(create ?? { url: '' }), items: [{ sku: 'sku-1', qty: 2 }], note: 'k6' });
  });

  it('declares the load shape, the events and the SLO thresholds in options', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prodshape-k6-opts-'));
    const out = join(dir, 'spike.ts');
    const r = await exportK6(join(FIXTURES, 'orders.yaml'), join(FIXTURES, 'spike.yaml'), out, { slo: ['dashboard:p99.9<1s'], expectedLatencyMs: 50 });
    expect(r.warnings.join('\n')).toContain('event migrate at 1m40s skipped: shell actions cannot run inside k6');
    const script = readFileSync(out, 'utf8');
    expect(script).toContain('"migrate" at 1m40s is NOT fired');
    expect(script).toMatch(/k6's ramping-arrival-rate executor starts iterations evenly\s+\* +spaced/);
    expect(script).toContain('dropped_iterations');
    const shim = loadShim(out, { env: { TARGET: 'https://user:pw@staging.example.com/', API_TOKEN: 'x' } });
    const options = shim.exports.options as {
      scenarios: Record<string, Record<string, unknown>>;
      thresholds: Record<string, string[]>;
      discardResponseBodies: boolean;
    };
    expect(Object.keys(options.scenarios)).toEqual(['traffic', 'event_1_deploy']);
    expect(options.scenarios.traffic).toMatchObject({
      executor: 'ramping-arrival-rate', exec: 'traffic', startRate: 100, timeUnit: '1s',
      preAllocatedVUs: 80, maxVUs: 800, gracefulStop: '30s',
    });
    expect(options.scenarios.traffic?.stages).toEqual([
      { duration: '30s', target: 100 }, { duration: '0s', target: 300 }, { duration: '20s', target: 300 },
      { duration: '0s', target: 100 }, { duration: '30s', target: 100 }, { duration: '1m', target: 800 },
    ]);
    expect(options.scenarios.event_1_deploy).toEqual({
      executor: 'per-vu-iterations', exec: 'action_deploy', vus: 1, iterations: 1, startTime: '45s', maxDuration: '30s',
      tags: { prodshape_event: 'deploy', prodshape_event_at: '45' },
    });
    expect(options.thresholds).toMatchObject({
      'http_req_duration{scenario:traffic}': ['p(99)<300'],
      'http_req_duration{endpoint:list-orders}': ['p(95)<100'],
      'http_req_failed{scenario:traffic}': ['rate<0.01'],
      'http_req_duration{endpoint:dashboard}': ['p(99.9)<1000'],
      'http_req_duration{endpoint:health}': ['max>=0'],
      'http_req_duration{tenant_class:top1}': ['max>=0'],
    });
    expect(options.discardResponseBodies).toBe(true);

    // setup() writes the run's metadata (credentials stripped) and the tagged tenants' rows.
    shim.call('setup');
    const meta = shim.samples.filter((s) => s.metric === 'prodshape_meta');
    expect(meta).toHaveLength(1);
    const m = JSON.parse(meta[0]?.tags.prodshape ?? '{}') as Record<string, unknown>;
    expect(m).toMatchObject({
      scenario: 'orders-fixture', profile: 'spike-fixture', planned_duration_s: 140, expected_requests: 39_000,
      target: 'https://staging.example.com', slo: ['p99<300ms', 'list-orders:p95<100ms', 'errors<1%', 'dashboard:p99.9<1s'],
    });
    expect((m.skipped_events as unknown[])).toHaveLength(1);
    const rows = shim.samples.filter((s) => s.metric === 'prodshape_tenant_rows');
    expect(rows).toHaveLength(200);
    expect(rows[0]).toMatchObject({ value: 100_000, tags: { tenant: 't0001', tenant_class: 'top1' } });

    shim.call('action_deploy');
    expect(shim.requests.at(-1)).toMatchObject({
      method: 'POST', url: 'https://user:pw@staging.example.com/admin/deploy', headers: { 'X-Deploy-Token': 'dev' }, tags: { name: 'action deploy' },
    });
  });

  it('stops at start, naming what is missing, when TARGET or a ${NAME} is not set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prodshape-k6-env-'));
    const out = join(dir, 'spike.ts');
    await exportK6(join(FIXTURES, 'orders.yaml'), join(FIXTURES, 'spike.yaml'), out);
    expect(() => loadShim(out, { env: { API_TOKEN: 'x' } })).toThrow(/set the target with k6 run -e TARGET=/);
    expect(() => loadShim(out, { env: { TARGET: 'http://127.0.0.1:1' } })).toThrow(/environment variable API_TOKEN is not set/);
  });

  it('never writes a value read from the environment into the script', async () => {
    process.env.API_TOKEN = 'do-not-leak-this-token';
    try {
      const dir = mkdtempSync(join(tmpdir(), 'prodshape-k6-secret-'));
      const out = join(dir, 'spike.ts');
      await exportK6(join(FIXTURES, 'orders.yaml'), join(FIXTURES, 'spike.yaml'), out);
      const script = readFileSync(out, 'utf8');
      expect(script).not.toContain('do-not-leak-this-token');
      expect(script).toContain("Authorization: 'Bearer ${API_TOKEN}'");
    } finally {
      delete process.env.API_TOKEN;
    }
  });

  it('reads tenants from a CSV of real sizes, through the engine\'s tenant table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prodshape-k6-csv-'));
    const out = join(dir, 'csv.ts');
    const r = await exportK6(join(FIXTURES, 'csv-tenants.yaml'), join(FIXTURES, 'fractional.yaml'), out);
    expect(r.plan.tenants).toMatchObject({ count: 5, totalRows: 6540, classes: ['top1', 'rest', 'empty'] });
    const data = JSON.parse(readFileSync(join(dir, 'csv.data.json'), 'utf8')) as { tenants: unknown[][] };
    expect(data.tenants.map((t) => [t[0], t[1], t[2]])).toEqual([
      ['acme', 0, 5000], ['globex', 2, 1200], ['initech', 2, 300], ['umbrella, inc', 2, 40], ['hooli', 3, 0],
    ]);
    // Both endpoints pick by rows: one column of running sums of rows.
    expect(data.tenants.map((t) => t[5])).toEqual([5000, 6200, 6500, 6540, 6540]);
  });

  it('refuses what it cannot export, listing every problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prodshape-k6-bad-'));
    const scenario = join(dir, 'bad.yaml');
    writeFileSync(scenario, [
      'name: bad',
      'tenants: { csv: tenants.csv, id: account, rows: invoices }',
      'endpoints:',
      '  - { name: a, path: "/x/{user_name}" }',
      '  - { name: b, path: "/t/{tenant}/orders/{orders.id}" }',
      'slo: ["c:p99<1s"]',
      '',
    ].join('\n'));
    writeFileSync(join(dir, 'tenants.csv'), 'account,invoices\nacme,5\n');
    const caught = await exportK6(scenario, join(FIXTURES, 'spike.yaml'), join(dir, 'out.ts')).then(() => null, (e: unknown) => e);
    expect(caught).toBeInstanceOf(InputError);
    const msg = (caught as InputError).message;
    // The template problems are replay's own messages, with the scenario's line.
    expect(msg).toMatch(/bad\.yaml:4: endpoints\[0\]\.path: unknown placeholder "\{user_name\}"/);
    expect(msg).toContain('uses {orders.id} but the dataset gives no id ranges for table "orders"');
    expect(msg).toContain('slo[0]: SLO "c:p99<1s" names endpoint "c"');
    await expect(exportK6(scenario, join(FIXTURES, 'spike.yaml'), join(dir, 'out.mjs'))).rejects.toThrow(/name the script \*\.ts \(TypeScript\) or \*\.js \(JavaScript\)/);
  });

  it('writes the JavaScript form for older k6 (*.js or --format js): plain ES2017 that sends the same requests, with the header kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prodshape-k6-js-'));
    const opts = { target: 'http://127.0.0.1:8080', speed: 10 };
    await exportK6(join(FIXTURES, 'orders.yaml'), join(FIXTURES, 'spike.yaml'), join(dir, 'spike.ts'), opts);
    const r = await exportK6(join(FIXTURES, 'orders.yaml'), join(FIXTURES, 'spike.yaml'), join(dir, 'spike.js'), opts);
    const js = readFileSync(join(dir, 'spike.js'), 'utf8');
    expect(r.script).toBe(js);
    expect(r.dataFile).toBe(join(dir, 'spike.data.json'));
    // JavaScript a plain ES module parser accepts: no type annotations, interfaces or `import type` left.
    writeFileSync(join(dir, 'check.mjs'), js);
    expect(() => execFileSync(process.execPath, ['--check', join(dir, 'check.mjs')], { stdio: 'pipe' })).not.toThrow();
    expect(js).not.toMatch(/^interface |import type/m);
    expect(js.startsWith('/**\n * k6 load test generated by prodshape')).toBe(true);
    expect(js).toContain('Run it with k6 (JavaScript; verified on k6 v0.47.0');
    // Given the same random numbers, both forms send the same requests.
    const env = { env: { API_TOKEN: 't' } };
    const a = loadShim(join(dir, 'spike.ts'), { ...env, random: createRng(3, 'js') });
    const b = loadShim(join(dir, 'spike.js'), { ...env, random: createRng(3, 'js') });
    for (let i = 0; i < 200; i++) {
      a.call('traffic');
      b.call('traffic');
    }
    expect(b.requests).toEqual(a.requests);
    expect(b.exports.options).toEqual(a.exports.options);
    // --format must agree with the extension.
    await expect(exportK6(join(FIXTURES, 'orders.yaml'), join(FIXTURES, 'spike.yaml'), join(dir, 'x.ts'), { format: 'js' })).rejects.toThrow(/--format js writes a \.js script/);
  });
});
