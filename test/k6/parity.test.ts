/**
 * The k6 script fills templates and picks tenants with its own copy of the
 * engine's logic (k6 cannot import prodshape). Given the same random stream,
 * it must send exactly the requests `prodshape replay` plans: same endpoint,
 * tenant, size class, path, headers and body, for every placeholder kind.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { exportK6 } from '../../src/k6/export.js';
import { parseProfile } from '../../src/scenario/profile.js';
import { loadScenario } from '../../src/scenario/scenario.js';
import { compileScenarioRequests } from '../../src/traffic/template.js';
import { loadTenantTable } from '../../src/traffic/tenants.js';
import { scenarioPlan } from '../../src/traffic/scenario-plan.js';
import { FIXTURES } from './profiles.js';
import { loadShim } from './shim.js';

const ORIGIN = 'http://127.0.0.1:8080';

describe('k6 script ↔ replay', () => {
  it.each(['placeholders.yaml', 'orders.yaml', 'csv-tenants.yaml'])('sends what replay plans, request for request: %s', async (name) => {
    const file = join(FIXTURES, name);
    const profile = parseProfile('arrival: constant\nstages:\n  - { duration: 20s, rate: 100 }\n');
    process.env.API_TOKEN = 'parity-token';
    try {
      const scenario = await loadScenario(file);
      const tenants = (await loadTenantTable({ scenario }))?.table ?? null;
      const planned = [...scenarioPlan({ templates: compileScenarioRequests(scenario, tenants), tenants, profile, seed: 7 })];
      expect(planned).toHaveLength(2000);

      const dir = mkdtempSync(join(tmpdir(), 'prodshape-k6-parity-'));
      const out = join(dir, 'parity.ts');
      await exportK6(file, join(FIXTURES, 'fractional.yaml'), out, { target: ORIGIN });
      // The engine's request stream for a one-worker run, as the script's Math.random.
      const shim = loadShim(out, { env: { API_TOKEN: 'parity-token' }, random: createRng(7, 'requests/0of1') });
      for (let i = 0; i < planned.length; i++) shim.call('traffic');

      planned.forEach((want, i) => {
        const got = shim.requests[i];
        expect(got, `request ${i}`).toBeDefined();
        if (got === undefined) return;
        const where = `request ${i} (${want.endpoint})`;
        expect(got.tags.endpoint, where).toBe(want.endpoint);
        expect(got.method, where).toBe(want.method);
        expect(got.url, where).toBe(ORIGIN + want.path);
        expect(got.tags.tenant_class, where).toBe(want.tenantClass);
        expect(got.headers, where).toEqual(want.headers ?? {});
        expect(got.body, where).toBe(want.body ?? null);
      });
      // The fixture exercises what it should.
      if (name === 'placeholders.yaml') {
        const everything = planned.find((r) => r.endpoint === 'everything');
        expect(everything?.path).toMatch(/^\/t\/t\d{4}\/orders\/\d+\?n=[3-7]&c=(red|green|blue)&s=\d+&lit=\{x\}&env=eu$/);
        expect(everything?.body).toMatch(/^\{"order":\d+,"qty":[1-5],"seq":\d+,"note":"n-\d","tags":\["[ab]",7,true,null\]\}$/);
        expect(everything?.headers?.['X-Request-Id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(planned.some((r) => r.endpoint === 'text-body' && r.tenantClass === 'empty')).toBe(true);
      }
    } finally {
      delete process.env.API_TOKEN;
    }
  });
});
