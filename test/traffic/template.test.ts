import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { createRng } from '../../src/core/rng.js';
import { clearSecrets, redact } from '../../src/core/secrets.js';
import { parseScenario } from '../../src/scenario/scenario.js';
import { buildTenantTable } from '../../src/traffic/tenants.js';
import { compileScenarioRequests, compileTemplate, fillRequest, fillTemplate, randomUuid } from '../../src/traffic/template.js';
import { scenarioPlan } from '../../src/traffic/scenario-plan.js';

const ctx = (tenant: { id: string; rows: number; ranges?: Record<string, [number, number]> } | null = null) => ({ rng: createRng(1, 't'), tenant, seq: 0 });
const compile = (text: string, encode = false) => {
  const c = compileTemplate(text, { encode, env: { TOKEN: 'tok-secret-value' } });
  if (!c.ok) throw new Error(c.messages.join('; '));
  return c.template;
};

describe('templates', () => {
  it('fills {tenant}, ids of the tenant, ints, choices and uuids', () => {
    const tenant = { id: 'acme corp', rows: 10, ranges: { orders: [500, 10] as [number, number] } };
    const t = compile('/tenants/{tenant}/orders/{orders.id}?n={int:3:5}&s={random:a|b}', true);
    expect(t.usesTenant).toBe(true);
    expect(t.tables).toEqual(['orders']);
    const c = ctx(tenant);
    for (let i = 0; i < 200; i++) {
      const m = /^\/tenants\/acme%20corp\/orders\/(\d+)\?n=(\d)&s=(a|b)$/.exec(fillTemplate(t, c));
      expect(m).not.toBeNull();
      expect(Number(m![1])).toBeGreaterThanOrEqual(500);
      expect(Number(m![1])).toBeLessThan(510);
      expect([3, 4, 5]).toContain(Number(m![2]));
    }
    expect(randomUuid(createRng(1))).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(fillTemplate(compile('{{literal}} {seq}'), { ...ctx(), seq: 7 })).toBe('{literal} 7');
  });

  it('expands ${ENV} once, as a secret, and reports unset variables and unknown placeholders', () => {
    clearSecrets();
    const t = compile('Bearer ${TOKEN}');
    expect(t.constant).toBe('Bearer tok-secret-value');
    expect(redact('header: Bearer tok-secret-value')).toBe('header: Bearer ***');
    const bad = compileTemplate('/x/{tenantt}/${NOPE}', { env: {} });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.messages.join('\n')).toMatch(/NOPE is not set/);
      expect(bad.messages.join('\n')).toMatch(/unknown placeholder "\{tenantt\}"/);
    }
    expect(compileTemplate('{int:5:1}').ok).toBe(false);
  });
});

const SCENARIO = `name: shop
endpoints:
  - name: list
    weight: 6
    path: /tenants/{tenant}/orders?status=pending
    headers:
      Authorization: "Bearer \${SHOP_TOKEN}"
  - name: order
    weight: 3
    method: POST
    path: /tenants/{tenant}/orders
    body: { order_id: "{orders.id}", qty: "{int:1:3}", note: "for {tenant}" }
  - name: health
    weight: 1
    path: /health
    tenant: uniform
`;

describe('scenario requests', () => {
  const tenants = buildTenantTable([
    { id: 'big', rows: 900, ranges: { orders: [1, 900] } },
    { id: 'small', rows: 100, ranges: { orders: [901, 100] } },
  ]);

  it('compiles every endpoint and plans requests with the weights, tenants and bodies', () => {
    process.env.SHOP_TOKEN = 'shop-token-123';
    const templates = compileScenarioRequests(parseScenario(SCENARIO, '/x/shop.yaml'), tenants);
    expect(templates.map((t) => [t.endpoint, t.tenant])).toEqual([['list', 'weighted'], ['order', 'weighted'], ['health', null]]);
    const plan = [...scenarioPlan({ templates, tenants, profile: { arrival: 'constant', stages: [{ kind: 'hold', durationMs: 10_000, rateRps: 1000 }] }, seed: 1 })];
    expect(plan).toHaveLength(10_000);
    const byEndpoint = (n: string) => plan.filter((r) => r.endpoint === n);
    expect(byEndpoint('list').length / 10_000).toBeCloseTo(0.6, 1);
    expect(byEndpoint('health').every((r) => r.tenant === null && r.tenantClass === 'none')).toBe(true);
    const list = byEndpoint('list');
    expect(list[0]!.headers).toEqual({ Authorization: 'Bearer shop-token-123' });
    expect(list.filter((r) => r.tenant === 'big').length / list.length).toBeCloseTo(0.9, 1);
    expect(list.find((r) => r.tenant === 'big')!.tenantClass).toBe('top1');
    for (const r of byEndpoint('order')) {
      const body = JSON.parse(r.body!) as { order_id: number; qty: number; note: string };
      const range = r.tenant === 'big' ? [1, 900] : [901, 1000];
      expect(body.order_id).toBeGreaterThanOrEqual(range[0]!);
      expect(body.order_id).toBeLessThanOrEqual(range[1]!);
      expect(typeof body.qty).toBe('number');
      expect(body.note).toBe(`for ${r.tenant}`);
      expect(r.headers?.['content-type']).toBe('application/json');
    }
    expect(plan.every((r, i) => i === 0 || r.atMs >= plan[i - 1]!.atMs)).toBe(true);
  });

  it('reports every template problem with the scenario file, line and field', () => {
    delete process.env.SHOP_TOKEN;
    const text = SCENARIO.replace('/health', '/health/{bogus}');
    const e = (() => {
      try {
        compileScenarioRequests(parseScenario(text, '/x/shop.yaml'), null);
      } catch (x) {
        return x;
      }
      return null;
    })();
    expect(e).toBeInstanceOf(InputError);
    const msg = (e as InputError).message;
    expect(msg).toMatch(/\/x\/shop\.yaml:7: endpoints\[0\]\.headers\.Authorization: environment variable SHOP_TOKEN is not set/);
    expect(msg).toMatch(/\/x\/shop\.yaml:5: endpoints\[0\]\.path: uses \{tenant\} but there are no tenants/);
    expect(msg).toMatch(/\/x\/shop\.yaml:15: endpoints\[2\]\.path: unknown placeholder "\{bogus\}"/);
  });

  it('says when a dataset has no id ranges for a {TABLE.id} placeholder', () => {
    process.env.SHOP_TOKEN = 'x-token-value';
    const noRanges = buildTenantTable([{ id: 'a', rows: 3 }]);
    expect(() => compileScenarioRequests(parseScenario(SCENARIO, '/x/shop.yaml'), noRanges)).toThrow(/no id ranges for table "orders"/);
    const filled = fillRequest(compileScenarioRequests(parseScenario(SCENARIO, '/x/shop.yaml'), tenants)[0]!, ctx(tenants.tenants[0]));
    expect(filled.path).toBe('/tenants/big/orders?status=pending');
  });
});
