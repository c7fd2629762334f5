/**
 * `observe.prometheus_server`: validated at load (file, line, field,
 * did-you-mean), its URL well formed before any load and checked by the
 * target safety rule with the scenario's line, its secrets redacted.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { clearSecrets, redactUrl } from '../../src/core/secrets.js';
import { parseScenario, PROMQL_POOL_NAMES } from '../../src/scenario/scenario.js';
import { outboundUrls } from '../../src/engine/outbound.js';
import { checkReach } from '../../src/engine/reach.js';
import { preflightProblems } from '../../src/engine/preflight.js';

const problemsOf = (text: string): string => {
  try {
    parseScenario(text, '/tmp/s.yaml');
    return '';
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return e.message;
  }
};

const withServer = (server: string): string => `name: x
endpoints:
  - { name: a, path: /a }
observe:
  prometheus_server:
${server}
`;

describe('observe.prometheus_server', () => {
  it('reads url, step and the pool queries; the analysis reads them under fixed names', () => {
    const s = parseScenario(withServer(`    url: http://127.0.0.1:9090
    step: 2s
    pool:
      in_use: sum by (instance) (pool_in_use{job="svc"})
      size: pool_size{job="svc"}`), '/tmp/s.yaml');
    expect(s.observe.prometheusServer).toEqual({ url: 'http://127.0.0.1:9090', stepMs: 2000, pool: { in_use: 'sum by (instance) (pool_in_use{job="svc"})', size: 'pool_size{job="svc"}' } });
    expect(s.observe.pool).toEqual({ in_use: PROMQL_POOL_NAMES.in_use, size: PROMQL_POOL_NAMES.size });
    expect(parseScenario(withServer('    url: http://127.0.0.1:9090\n    pool: { waiting: w }'), '/tmp/s.yaml').observe.prometheusServer?.stepMs).toBe(1000);
  });

  it('names file, line and field for each mistake, with did-you-mean', () => {
    const msg = (body: string): string => {
      try {
        parseScenario(withServer(body), '/tmp/s.yaml');
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(msg('    url: http://127.0.0.1:9090\n    pool: { in_use: x }\n    stpe: 1s')).toMatch(/:8: observe\.prometheus_server\.stpe: unknown key \(did you mean "step"\?\)/);
    expect(msg('    url: http://127.0.0.1:9090\n    pool: { inuse: x }')).toMatch(/:7: observe\.prometheus_server\.pool\.inuse: unknown key \(did you mean "in_use"\?\)/);
    expect(msg('    url: http://127.0.0.1:9090\n    pool: {}')).toMatch(/:7: observe\.prometheus_server\.pool: expected at least one of in_use, waiting, size/);
    expect(msg('    pool: { in_use: x }')).toMatch(/^\/tmp\/s\.yaml:5: observe\.prometheus_server\.url: is required$/m);
    expect(msg('    pool: { in_use: x }')).not.toContain('got nothing');
    expect(msg('    url: http://127.0.0.1:9090\n    pool: { in_use: x }\n    step: 10ms')).toMatch(/:8: observe\.prometheus_server\.step: /);
    expect(problemsOf(`name: x
observe:
  prometheus: /metrics
  pool: { in_use: a }
  prometheus_server: { url: "http://127.0.0.1:9090", pool: { in_use: b } }
`)).toMatch(/:4: observe\.pool: the pool comes from one place/);
  });

  it('is refused before any load when the URL is not a server URL, naming the line', () => {
    const s = parseScenario(withServer('    url: "9090"\n    pool: { in_use: x }'), '/tmp/s.yaml');
    const problems = preflightProblems({ scenario: s, slo: [], endpoints: ['a'], pgUrl: null });
    expect(problems.map((p) => [p.field, p.line, p.message])).toEqual([['observe.prometheus_server.url', 6, "expected the Prometheus server's base URL, such as http://127.0.0.1:9090"]]);
  });

  it('obeys the target safety rule with the scenario line (loopback and private only unless --allow-remote)', async () => {
    const s = parseScenario(withServer('    url: http://203.0.113.9:9090\n    pool: { in_use: x }'), '/tmp/s.yaml');
    const urls = outboundUrls(new URL('http://127.0.0.1:8080'), s, {}, []);
    expect(urls.map((u) => [u.field, u.line])).toEqual([['--target', null], ['observe.prometheus_server.url', 6]]);
    const e = (await checkReach(urls, { allowRemote: false }).catch((x: unknown) => x)) as InputError;
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toContain('observe.prometheus_server.url: http://203.0.113.9:9090/: 203.0.113.9 (public), outside loopback and private networks');
    expect(await checkReach(urls, { allowRemote: true })).toHaveLength(2);
  });

  it('keeps a token from the environment and a URL password out of every output', () => {
    clearSecrets();
    process.env.PRODSHAPE_TEST_PROM_TOKEN = 'tok-3141592';
    try {
      const s = parseScenario(withServer('    url: "http://ops:pw-2718@127.0.0.1:9090/?token=${PRODSHAPE_TEST_PROM_TOKEN}"\n    pool: { in_use: x }'), '/tmp/s.yaml');
      const [, server] = outboundUrls(new URL('http://127.0.0.1:8080'), s, {}, []);
      const shown = redactUrl(server?.url ?? '');
      expect(shown).not.toContain('tok-3141592');
      expect(shown).not.toContain('pw-2718');
    } finally {
      delete process.env.PRODSHAPE_TEST_PROM_TOKEN;
      clearSecrets();
    }
  });
});
