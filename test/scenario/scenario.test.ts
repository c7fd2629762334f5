import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { parseScenario } from '../../src/scenario/scenario.js';
import { expandEnv } from '../../src/core/env.js';
import { clearSecrets, redact } from '../../src/core/secrets.js';

/** The example scenario of docs/design.md "Scenario file". */
const DOCUMENTED_EXAMPLE = `name: my-api
tenants:
  csv: tenants.csv
  id: tenant_id
  rows: orders
endpoints:
  - name: list-orders
    weight: 6
    method: GET
    path: /tenants/{tenant}/orders?status=pending&limit=10
  - name: dashboard
    weight: 3
    method: GET
    path: /tenants/{tenant}/dashboard
actions:
  deploy: { http: POST /admin/deploy }
observe:
  prometheus: /metrics
  pool: { in_use: app_db_pool_in_use, waiting: app_db_pool_waiting, size: app_db_pool_size }
  postgres: { url: "\${DATABASE_URL}" }
plans:
  - name: pending-orders
    sql: SELECT * FROM orders WHERE tenant_id = $1 AND status = 'pending' ORDER BY created_at DESC LIMIT 10
    params: ["{tenant}"]
`;

const problemsOf = (text: string): string => {
  try {
    parseScenario(text, '/tmp/s.yaml');
  } catch (e) {
    if (e instanceof InputError) return e.message;
    throw e;
  }
  throw new Error('expected an InputError');
};

describe('scenarios', () => {
  it('parses the example scenario of docs/design.md', () => {
    const s = parseScenario(DOCUMENTED_EXAMPLE, '/srv/app/my.yaml');
    expect(s.name).toBe('my-api');
    expect(s.tenants).toEqual({ kind: 'csv', path: '/srv/app/tenants.csv', idColumn: 'tenant_id', rowsColumn: 'orders' });
    expect(s.endpoints.map((e) => [e.name, e.weight, e.method, e.tenant])).toEqual([
      ['list-orders', 6, 'GET', 'weighted'],
      ['dashboard', 3, 'GET', 'weighted'],
    ]);
    expect(s.actions.deploy).toMatchObject({ kind: 'http', method: 'POST', path: '/admin/deploy' });
    expect(s.observe.pool?.waiting).toBe('app_db_pool_waiting');
    // kept unexpanded: the run directory copy never holds the secret
    expect(s.observe.postgres?.url).toBe('${DATABASE_URL}');
    expect(s.plans[0]?.params).toEqual(['{tenant}']);
  });
  it('names file, line and field for each mistake', () => {
    const msg = problemsOf(`name: x
endpoints:
  - name: a
    path: orders
    weigth: 2
  - name: a
    path: /b
    method: FETCH
actions:
  deploy: { http: "DEPLOY" }
  both: { http: POST /x, run: "true" }
`);
    expect(msg).toContain('/tmp/s.yaml:4: endpoints[0].path: expected a path starting with /');
    expect(msg).toContain('/tmp/s.yaml:5: endpoints[0].weigth: unknown key (did you mean "weight"?)');
    expect(msg).toContain('/tmp/s.yaml:8: endpoints[1].method: expected one of GET');
    expect(msg).toContain('/tmp/s.yaml:6: endpoints[1].name: duplicate endpoint name "a"');
    expect(msg).toContain('/tmp/s.yaml:10: actions.deploy.http: expected "METHOD /path"');
    expect(msg).toContain('/tmp/s.yaml:11: actions.both: an action is either');
  });
  it('reports YAML syntax errors with their line', () => {
    expect(problemsOf('name: x\nendpoints: [\n  - a: b\n')).toMatch(/\/tmp\/s\.yaml:\d+: invalid YAML/);
  });
});

describe('environment references', () => {
  it('expands ${NAME} and keeps the value out of every output', () => {
    clearSecrets();
    const r = expandEnv('Bearer ${API_TOKEN}', { API_TOKEN: 'sekrit-token-123' });
    expect(r).toEqual({ ok: true, value: 'Bearer sekrit-token-123' });
    expect(redact('sent Authorization: Bearer sekrit-token-123')).toBe('sent Authorization: Bearer ***');
  });
  it('names missing variables and honours defaults', () => {
    expect(expandEnv('${NOPE}/${ALSO_NOPE:-x}', {})).toEqual({ ok: false, missing: ['NOPE'] });
    expect(expandEnv('${ALSO_NOPE:-fallback}', {})).toEqual({ ok: true, value: 'fallback' });
  });
  it('redacts the password inside a URL', () => {
    clearSecrets();
    expandEnv('${DATABASE_URL}', { DATABASE_URL: 'postgres://app:hunter22@db/x' });
    expect(redact('could not connect with hunter22')).toBe('could not connect with ***');
  });
});
