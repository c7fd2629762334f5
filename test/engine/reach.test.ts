/**
 * Reaching outside: every URL is resolved once and checked before any load,
 * and every connection (load, scrapes, actions) goes to the checked address.
 * Real servers on 127.0.0.1 and 127.0.0.2 (both loopback); the resolver is
 * injected, so a name that answers differently on its second lookup needs no
 * change to the machine's DNS.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError, RunError } from '../../src/core/errors.js';
import { checkReach, pinnedLookup, type Resolver } from '../../src/engine/reach.js';
import { createReachAgent } from '../../src/engine/pinned.js';
import { runReplay } from '../../src/app/replay.js';
import { RUN_FILES, type EventRecord } from '../../src/run/format.js';
import { startServer } from './servers.js';

const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of closers) await c();
});

/** A resolver that counts its calls and answers from `answers` (the last one once they run out). */
const scripted = (answers: string[][]): Resolver & { calls: string[] } => {
  const calls: string[] = [];
  const fn = (host: string): Promise<Array<{ address: string; family: 4 | 6 }>> => {
    calls.push(host);
    const a = answers[Math.min(calls.length - 1, answers.length - 1)] ?? [];
    return Promise.resolve(a.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  };
  return Object.assign(fn, { calls });
};

const at = (host: string) => ({ url: new URL(`http://${host}:8080/x`), field: '--target', file: null, line: null });

describe('checkReach (the decision, no connection)', () => {
  it('refuses a name with any address outside local networks, listing them, and allows it with allowRemote', async () => {
    const resolve = scripted([['10.0.0.5', '169.254.169.254', '203.0.113.5']]);
    const e = await checkReach([at('svc.test')], { allowRemote: false, resolve }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).code).toBe('PS_TARGET_REMOTE');
    expect((e as InputError).message).toContain('svc.test resolves to 169.254.169.254 (link-local), 203.0.113.5 (public), outside loopback and private networks');
    expect((e as InputError).hint).toMatch(/--allow-remote/);
    const pins = await checkReach([at('svc.test')], { allowRemote: true, resolve });
    expect(pins).toEqual([{ host: 'svc.test', addresses: [{ address: '10.0.0.5', family: 4 }, { address: '169.254.169.254', family: 4 }, { address: '203.0.113.5', family: 4 }] }]);
  });

  it('classifies IP literals in any spelling without resolving them, and reports every refused field at once', async () => {
    const resolve = scripted([['127.0.0.1']]);
    const urls = [
      at('127.0.0.1'),
      { url: new URL('http://2852039166/latest/meta-data/'), field: 'observe.prometheus', file: '/s.yaml', line: 7 },
      { url: new URL('http://[::ffff:a9fe:a9fe]/'), field: 'actions.deploy.http', file: '/s.yaml', line: 9 },
      { url: new URL('http://0251.0376.0251.0376/'), field: 'actions.b.http', file: '/s.yaml', line: 10 },
    ];
    const e = (await checkReach(urls, { allowRemote: false, resolve }).catch((x: unknown) => x)) as InputError;
    expect(e.problems.map((p) => [p.field, p.line])).toEqual([['observe.prometheus', 7], ['actions.deploy.http', 9], ['actions.b.http', 10]]);
    expect(e.message).toContain('/s.yaml:7: observe.prometheus: http://169.254.169.254/latest/meta-data/: 169.254.169.254 (link-local)');
    expect(resolve.calls).toEqual([]);
    // Allowed with --allow-remote: the decision only, nothing connects here. One pin per host as URLs spell it.
    expect((await checkReach(urls, { allowRemote: true, resolve })).map((p) => [p.host, p.addresses[0]?.address])).toEqual([
      ['127.0.0.1', '127.0.0.1'], ['169.254.169.254', '169.254.169.254'], ['::ffff:a9fe:a9fe', '169.254.169.254'],
    ]);
  });

  it('is exit 3 when the target does not resolve, and leaves another host that does not resolve unpinned', async () => {
    const none = scripted([[]]);
    const e = await checkReach([at('gone.test')], { allowRemote: false, resolve: none }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RunError);
    expect((e as RunError).exitCode).toBe(3);
    const pins = await checkReach([at('127.0.0.1'), { ...at('gone.test'), field: 'observe.prometheus' }], { allowRemote: false, resolve: none });
    expect(pins.map((p) => p.host)).toEqual(['127.0.0.1']);
  });
});

describe('pinned connections', () => {
  it('answers lookups with every checked address of a pinned host, and refuses other hosts without asking DNS', () => {
    const lookup = pinnedLookup([{ host: 'both.test', addresses: [{ address: '::1', family: 6 }, { address: '127.0.0.1', family: 4 }] }]);
    const got: unknown[] = [];
    lookup('both.test', { all: true }, (err, address) => got.push(err, address));
    lookup('BOTH.test', {}, (err, address, family) => got.push(err, address, family));
    lookup('localhost', { all: true }, (err) => got.push(err?.code));
    expect(got).toEqual([null, [{ address: '::1', family: 6 }, { address: '127.0.0.1', family: 4 }], null, '::1', 6, 'ENOTFOUND']);
  });

  it('refuses to connect to a host that was not checked, even a loopback one', async () => {
    const srv = await startServer();
    closers.push(() => srv.close());
    let connections = 0;
    srv.server.on('connection', () => connections++);
    const agent = createReachAgent([{ host: 'other.test', addresses: [{ address: '127.0.0.1', family: 4 }] }]);
    closers.push(() => agent.close());
    const e = await request(srv.url, { dispatcher: agent }).catch((x: unknown) => x);
    expect((e as { code?: string }).code).toBe('PS_NOT_CHECKED');
    expect(connections).toBe(0);
    // The checked name connects, at its pinned address, with its own Host header.
    let host = '';
    srv.server.on('request', (req) => (host = req.headers.host ?? ''));
    const ok = await request(`http://other.test:${srv.port}/`, { dispatcher: agent });
    expect(ok.statusCode).toBe(200);
    await ok.body.text();
    expect(host).toBe(`other.test:${srv.port}`);
  });

  it('sends the load, the scrapes and the actions to the address checked first when the name later resolves elsewhere (DNS rebinding)', async () => {
    // The checked address: 127.0.0.1. The rebound one: 127.0.0.2, same port (loopback too, so the test sends nothing outside).
    const checked = await startServer((req, res) => res.end(req.url === '/metrics' ? 'app_up 1\n' : 'ok'));
    closers.push(() => checked.close());
    const rebound: Server = createServer((_req, res) => res.end('rebound'));
    let reboundConnections = 0;
    rebound.on('connection', () => reboundConnections++);
    await new Promise<void>((ok) => rebound.listen(checked.port, '127.0.0.2', ok));
    expect((rebound.address() as AddressInfo).port).toBe(checked.port);
    closers.push(() => new Promise<void>((ok) => {
      rebound.closeAllConnections();
      rebound.close(() => ok());
    }));

    const dir = mkdtempSync(join(tmpdir(), 'ps-rebind-'));
    writeFileSync(join(dir, 'sc.yaml'), [
      'name: rebind',
      'endpoints:',
      '  - { name: home, path: /home }',
      'actions:',
      '  deploy: { http: POST /admin/deploy }',
      'observe:',
      '  prometheus: /metrics',
      '  interval: 200ms',
      '  metrics: [app_up]',
      '',
    ].join('\n'));
    writeFileSync(join(dir, 'pr.yaml'), 'stages:\n  - { duration: 2s, rate: 50 }\nevents:\n  - { at: 1s, action: deploy }\n');
    const resolve = scripted([['127.0.0.1'], ['127.0.0.2']]);
    const r = await runReplay({
      scenario: join(dir, 'sc.yaml'), profile: join(dir, 'pr.yaml'), target: `http://rebind.test:${checked.port}`,
      outDir: join(dir, 'run'), workers: 2, seed: 1, resolve,
    });
    // Resolved once; a second lookup would have answered 127.0.0.2.
    expect(resolve.calls).toEqual(['rebind.test']);
    expect(await resolve('rebind.test')).toEqual([{ address: '127.0.0.2', family: 4 }]);
    expect(reboundConnections).toBe(0);
    // Everything went to the checked address (the name does not resolve on this machine, so nothing else could have).
    expect(r.totals.offered).toBeGreaterThan(50);
    expect(checked.counts.get('GET /home')).toBe(r.totals.offered);
    expect(checked.counts.get('GET /metrics') ?? 0).toBeGreaterThanOrEqual(3);
    expect(checked.counts.get('POST /admin/deploy')).toBe(1);
    const events = readFileSync(join(r.dir, RUN_FILES.events), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as EventRecord);
    expect(events.map((e) => [e.action, e.ok])).toEqual([['deploy', true]]);
  }, 60_000);
});
