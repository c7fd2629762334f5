import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { createRng } from '../../src/core/rng.js';
import { exportK6 } from '../../src/k6/export.js';
import { placeholdersIn } from '../../src/k6/placeholders.js';
import { loadTenantTable } from '../../src/k6/tenant-table.js';
import { loadScenario } from '../../src/scenario/scenario.js';
import { allProfiles, allScenarios, FIXTURES, shipped } from './profiles.js';
import { loadShim } from './shim.js';

const run = promisify(execFile);
const TYPES = join(PACKAGE_ROOT, 'node_modules', '@types');

/** A dataset manifest for scenarios that expect `--data DIR`: 300 Zipf-sized tenants with id ranges for every table a placeholder names. */
const syntheticDataDir = async (scenarioFile: string): Promise<string> => {
  const scenario = await loadScenario(scenarioFile);
  const tables = new Set(placeholdersIn(scenario.endpoints.map((e) => [e.path, e.headers, e.body])).filter((p) => p.column === 'id').map((p) => p.name));
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

/** tsc with the k6 types only: the environment k6 scripts are written for (no DOM, no Node). */
const typeCheck = async (dir: string, files: string[]): Promise<{ code: number; output: string }> => {
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2020', module: 'ESNext', moduleResolution: 'bundler', lib: ['ES2020'],
      strict: true, noUncheckedIndexedAccess: true, noEmit: true, skipLibCheck: false,
      types: ['k6'], typeRoots: [TYPES],
      paths: { k6: [join(TYPES, 'k6', 'index.d.ts')], 'k6/*': [join(TYPES, 'k6', '*')] },
    },
    files: files.map((f) => basename(f)),
  }));
  try {
    const r = await run(process.execPath, [join(PACKAGE_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, 'tsconfig.json')]);
    return { code: 0, output: r.stdout + r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: x.code ?? 1, output: `${x.stdout ?? ''}${x.stderr ?? ''}` };
  }
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
    for (const [i, s] of scenarios.entries()) {
      const isFixture = s.startsWith(FIXTURES);
      const dataDir = isFixture ? null : await syntheticDataDir(s);
      for (const [j, p] of profiles.entries()) {
        const out = join(dir, `s${i}_p${j}.ts`);
        // Alternate the options so both target branches and transforms are covered.
        await exportK6(s, p, out, {
          dataDir,
          ...(j % 2 === 0 ? { target: 'http://127.0.0.1:8080', speed: 10 } : { rateScale: 0.37, slo: ['max<2s'] }),
        });
        files.push(out);
      }
    }
    // A scenario whose endpoints name no tenant: no data file, no SharedArray.
    const plain = join(dir, 'plain.yaml');
    writeFileSync(plain, 'name: plain\nendpoints:\n  - { name: home, path: / }\n  - { name: about, path: /about, weight: 0.25 }\n');
    await exportK6(plain, join(FIXTURES, 'spike.yaml'), join(dir, 'plain.ts'));
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
    const r = await exportK6(join(FIXTURES, 'orders.yaml'), join(FIXTURES, 'spike.yaml'), out, { target: 'http://127.0.0.1:8080' });
    const table = await loadTenantTable(await loadScenario(join(FIXTURES, 'orders.yaml')), null);
    if (table === null) throw new Error('fixture has tenants');
    const byId = new Map(table.tenants.map((t, rank) => [t.id, { ...t, rank }]));
    const rng = createRng(42, 'k6-shim');
    const shim = loadShim(out, { env: { API_TOKEN: 'sekrit-token', PRODSHAPE_TENANT_TAGS: '20' }, random: rng });
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
      if (ep?.tenant === 'none') {
        expect(q.tags.tenant_class).toBe('none');
        expect(q.tags.tenant).toBeUndefined();
        continue;
      }
      const t = byId.get(tenantOf(q));
      expect(t, q.url).toBeDefined();
      expect(q.tags.tenant_class).toBe(t?.tenantClass);
      // Only the 20 largest tenants (PRODSHAPE_TENANT_TAGS) carry their id.
      expect(q.tags.tenant).toBe((t?.rank ?? 99) < 20 ? t?.id : undefined);
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
    expect(create?.headers['Content-Type']).toBe('application/json');
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

  it('reads tenants from a CSV of real sizes, with classes by rank', async () => {
    const table = await loadTenantTable(await loadScenario(join(FIXTURES, 'csv-tenants.yaml')), null);
    expect(table?.tenants.map((t) => [t.id, t.rows, t.tenantClass])).toEqual([
      ['acme', 5000, 'top1'], ['globex', 1200, 'rest'], ['initech', 300, 'rest'], ['umbrella, inc', 40, 'rest'], ['hooli', 0, 'empty'],
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'prodshape-k6-csv-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(join(dir, 't.csv'), 'id,size\na,1\n');
    writeFileSync(bad, 'name: bad\ntenants: { csv: t.csv, id: id, rows: orders }\nendpoints:\n  - { name: x, path: "/t/{tenant}" }\n');
    await expect(loadTenantTable(await loadScenario(bad), null)).rejects.toThrow(/t\.csv:1: orders: no column named "orders" \(columns: id, size\)/);
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
    expect(msg).toContain('endpoints[0]: {user_name} is not a placeholder the k6 export can fill');
    expect(msg).toContain('{orders.id} needs the id ranges of table "orders"');
    expect(msg).toContain('slo[0]: SLO "c:p99<1s" names endpoint "c"');
    await expect(exportK6(scenario, join(FIXTURES, 'spike.yaml'), join(dir, 'out.js'))).rejects.toThrow(/name it \*\.ts/);
  });
});
