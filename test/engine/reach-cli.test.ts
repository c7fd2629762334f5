/**
 * End to end through the built CLI: every URL a replay reaches obeys the
 * safety rule before any load, redirects are not followed, and a secret in a
 * scrape URL reaches no output. Servers on 127.0.0.1 count what they get;
 * the public and documentation addresses named here are refused before any
 * connection, so nothing is ever sent to them.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt } from '../helpers/cli.js';
import { urlEncodedForms } from '../../src/core/secrets.js';
import { startServer, type TestServer } from './servers.js';

interface Ran { code: number | null; stdout: string; stderr: string }

const cli = (args: string[], env: Record<string, string> = {}): Promise<Ran> =>
  new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr });
    });
  });

let target: TestServer;
let elsewhere: TestServer;
let connections = 0;
let dir: string;
const seenQueries: string[] = [];
let metricsCalls = 0;

beforeAll(async () => {
  ensureBuilt();
  // The other loopback server: a redirect points here; nothing may arrive.
  elsewhere = await startServer();
  target = await startServer((req, res) => {
    if (req.url?.startsWith('/metrics')) {
      seenQueries.push(req.url);
      // The first scrape fails, so the scrape URL is printed in a warning.
      res.statusCode = metricsCalls++ === 0 ? 500 : 200;
      res.end('app_up 1\n');
    } else if (req.url?.startsWith('/redirect-metrics') || req.url?.startsWith('/admin/redirect')) {
      res.writeHead(302, { location: `${elsewhere.url}/metrics` }).end();
    } else {
      res.end('ok');
    }
  });
  target.server.on('connection', () => connections++);
  dir = mkdtempSync(join(tmpdir(), 'ps-reach-'));
  writeFileSync(join(dir, 'short.yaml'), 'stages:\n  - { duration: 2s, rate: 20 }\nevents:\n  - { at: 1s, action: deploy }\n');
}, 180_000);
afterAll(async () => {
  await target?.close();
  await elsewhere?.close();
});

const scenario = (name: string, lines: string[]): string => {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, [`name: ${name}`, 'endpoints:', '  - { name: home, path: /home }', ...lines, ''].join('\n'));
  return file;
};

const replay = (file: string, out: string, extra: string[] = [], env: Record<string, string> = {}): Promise<Ran> =>
  cli(['replay', '--scenario', file, '--profile', join(dir, 'short.yaml'), '--target', target.url, '--out', join(dir, out), '--seed', '1', ...extra], env);

/** Every file under a directory, with its text. */
const filesUnder = (root: string): Array<[string, string]> =>
  readdirSync(root).flatMap((name): Array<[string, string]> => {
    const p = join(root, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [[p, readFileSync(p, 'utf8')]];
  });

describe('the safety rule for scrape URLs and HTTP actions (built CLI)', () => {
  it('refuses a public scrape URL with exit 1, naming the file, line and field, before any request to the target', async () => {
    const file = scenario('scrape-public', ['actions:', '  deploy: { http: POST /admin/deploy }', 'observe:', '  prometheus: http://192.0.2.1:9100/metrics']);
    const before = connections;
    const r = await replay(file, 'scrape-public');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:7: observe.prometheus: http://192.0.2.1:9100/metrics: 192.0.2.1 (public), outside loopback and private networks`);
    expect(r.stderr).toMatch(/--allow-remote/);
    expect(connections - before).toBe(0);
  }, 180_000);

  it('refuses an action to another host and a link-local scrape URL together, before any request to the target', async () => {
    const file = scenario('action-public', ['actions:', '  deploy: { http: "POST //203.0.113.5:8080/deploy" }', 'observe:', '  prometheus: "http://[::ffff:a9fe:a9fe]/latest/meta-data/"']);
    const before = connections;
    const r = await replay(file, 'action-public');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:5: actions.deploy.http: http://203.0.113.5:8080/deploy: 203.0.113.5 (public)`);
    expect(r.stderr).toContain(`${file}:7: observe.prometheus: http://[::ffff:a9fe:a9fe]/latest/meta-data/: 169.254.169.254 (link-local)`);
    expect(connections - before).toBe(0);
  }, 180_000);

  it('refuses a link-local target written in octal', async () => {
    const file = scenario('plain', ['actions:', '  deploy: { http: POST /admin/deploy }']);
    const r = await cli(['replay', '--scenario', file, '--profile', join(dir, 'short.yaml'), '--target', 'http://0251.0376.0251.0376/', '--out', join(dir, 'octal')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--target: http://169.254.169.254/: 169.254.169.254 (link-local), outside loopback and private networks');
  }, 180_000);

  it('refuses a public PostgreSQL to observe (observe.postgres.url, --pg, a host in the query), before any request, without printing its password', async () => {
    const before = connections;
    const file = scenario('pg-public', ['actions:', '  deploy: { http: POST /admin/deploy }', 'observe:', '  postgres: { url: "postgres://u:pgsecret1@198.51.100.7:5432/shop" }']);
    const r = await replay(file, 'pg-public');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:7: observe.postgres.url:`);
    expect(r.stderr).toContain('198.51.100.7 (public), outside loopback and private networks');
    // --pg replaces the scenario's URL; a host named in the query is the one the driver connects to
    const plain = scenario('pg-plain', ['actions:', '  deploy: { http: POST /admin/deploy }']);
    const viaFlag = await replay(plain, 'pg-flag', ['--pg', 'postgres://u:pgsecret2@127.0.0.1/shop?host=169.254.169.254']);
    expect(viaFlag.code).toBe(1);
    expect(viaFlag.stderr).toContain('--pg:');
    expect(viaFlag.stderr).toContain('169.254.169.254 (link-local)');
    for (const text of [r.stdout, r.stderr, viaFlag.stdout, viaFlag.stderr]) expect(text).not.toMatch(/pgsecret/);
    expect(connections - before).toBe(0);
  }, 180_000);

  it('follows no redirect from the scrape endpoint or an HTTP action to another server', async () => {
    const file = scenario('redirects', ['actions:', '  deploy: { http: POST /admin/redirect }', 'observe:', '  prometheus: /redirect-metrics', '  interval: 250ms']);
    const r = await replay(file, 'redirects');
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    expect(target.counts.get('GET /redirect-metrics') ?? 0).toBeGreaterThanOrEqual(3);
    expect(target.counts.get('POST /admin/redirect')).toBe(1);
    expect(elsewhere.counts.size).toBe(0);
    expect(r.stderr).toContain(`redirect to ${elsewhere.url}/metrics: not followed`);
    const scrapes = readFileSync(join(dir, 'redirects', 'metrics.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { ok: boolean });
    expect(scrapes.every((s) => !s.ok)).toBe(true);
  }, 180_000);
});

describe('a secret in a scrape URL (built CLI)', () => {
  it('is sent, and appears in no output: terminal, run directory, report, request log', async () => {
    const secret = 'super secret+tok/en&x';
    const file = scenario('secret-scrape', ['actions:', '  deploy: { http: POST /admin/deploy }', 'observe:', '  prometheus: "/metrics?token=${SCRAPE_TOKEN}"', '  interval: 250ms']);
    const requestsLog = join(dir, 'requests.ndjson');
    const r = await replay(file, 'secret-scrape', ['--log-requests', requestsLog], { SCRAPE_TOKEN: secret });
    expect(r.code).toBe(0);
    // It was really sent (so the checks below look for something that existed).
    expect(seenQueries.some((q) => q.startsWith('/metrics?token=super%20secret+tok/en&x'))).toBe(true);
    // The first scrape failed: its warning printed the URL, redacted.
    expect(r.stderr).toContain('scrape of http://127.0.0.1');
    expect(r.stderr).toContain('/metrics?token=***');
    const forms = [secret, ...urlEncodedForms(secret), 'super', 'tok/en', 'tok%2Fen'];
    const outputs: Array<[string, string]> = [['stdout', r.stdout], ['stderr', r.stderr], ['requests log', readFileSync(requestsLog, 'utf8')], ...filesUnder(join(dir, 'secret-scrape'))];
    expect(outputs.map(([n]) => n.split('/').pop())).toEqual(expect.arrayContaining(['observe.json', 'report.json', 'report.html', 'run.json', 'metrics.ndjson']));
    for (const [name, text] of outputs) {
      for (const f of forms) expect(text.includes(f), `${f} in ${name}`).toBe(false);
    }
  }, 180_000);
});
