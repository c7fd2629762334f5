/**
 * The pool from a Prometheus server, end to end: four real instances of a
 * test service on loopback, each with a pool of POOL_SIZE slots and a fixed
 * service time, exporting in_use/waiting/size gauges; a front that
 * round-robins across them (what a load balancer does, and why scraping
 * /metrics through it reads one random pod); a real Prometheus (Debian's
 * 2.42) scraping the four every second. A short spike past the service's
 * capacity through the built CLI (`prodshape replay`) must give a
 * pool-saturation break and a capacity estimate read from the PromQL sums
 * (size = 4 × POOL_SIZE, instances = 4 from the per-instance series), with
 * every per-instance reading one that instance exported.
 * `prodshape report DIR --prometheus URL` then reads the window again for a
 * copy of the run whose server did not answer (a dead port).
 *
 * Load group (vitest.config.ts): it sends real load (~60-250 rps for 16 s).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, Agent, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from '../helpers/cli.js';
import { prometheusBinary, startPrometheus, waitScraped, type TestPrometheus } from '../helpers/prometheus-server.js';
import { reportSchemaErrors } from '../helpers/schema.js';

const bin = prometheusBinary();

const INSTANCES = 4;
const POOL_SIZE = 2;
/** Each request holds a slot this long: capacity INSTANCES × POOL_SIZE / SERVICE_MS = 160 rps. */
const SERVICE_MS = 50;

/** One instance: a pool of POOL_SIZE slots with a FIFO queue, and every gauge value it exported. */
interface Instance { server: Server; exported: { in_use: Set<number>; waiting: Set<number> }; maxWaiting: number }

const listen = (handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> => new Promise((res) => {
  const s = createServer(handler);
  s.keepAliveTimeout = 10_000;
  s.listen(0, '127.0.0.1', () => res(s));
});
const portOf = (s: Server): number => {
  const a = s.address();
  return typeof a === 'object' && a !== null ? a.port : 0;
};

const startInstance = async (): Promise<Instance> => {
  let inUse = 0;
  const queue: Array<() => void> = [];
  const inst: Instance = { server: null as unknown as Server, exported: { in_use: new Set(), waiting: new Set() }, maxWaiting: 0 };
  const release = (): void => {
    const next = queue.shift();
    if (next) next();
    else inUse--;
  };
  inst.server = await listen((req, res) => {
    if (req.url === '/metrics') {
      inst.exported.in_use.add(inUse);
      inst.exported.waiting.add(queue.length);
      inst.maxWaiting = Math.max(inst.maxWaiting, queue.length);
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(`# TYPE pool_in_use gauge\npool_in_use ${inUse}\n# TYPE pool_waiting gauge\npool_waiting ${queue.length}\n# TYPE pool_size gauge\npool_size ${POOL_SIZE}\n`);
      return;
    }
    const serve = (): void => {
      setTimeout(() => {
        res.end('ok');
        release();
      }, SERVICE_MS);
    };
    if (inUse < POOL_SIZE) {
      inUse++;
      serve();
    } else queue.push(serve);
  });
  return inst;
};

/** The front: round-robin across the instances, as a load balancer does. */
const startFront = (ports: number[]): Promise<Server> => {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  let next = 0;
  return listen((req, res) => {
    const port = ports[next++ % ports.length] ?? 0;
    const up = request({ host: '127.0.0.1', port, path: req.url, method: req.method, headers: req.headers, agent }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
};

interface Report {
  pool: { note: string };
  breaks: { kind: string; evidence: Record<string, unknown>; summary: string }[];
  diagnosis: { id: string; status: string; summary: string }[];
  database?: { capacity: { instances: number; pool_size: number | null; configured: number | null; hold_ms: number; hold_source: string; sentence: string } | null; pool_instances: { instance: string; max_in_use: number | null; max_waiting: number | null; size: number | null }[] | null };
}
const readReport = (dir: string): Report => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
interface Rec { t_s: number; ok: boolean; error: string | null; values: Record<string, number> }
const readRecords = (dir: string): Rec[] => readFileSync(join(dir, 'promql.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Rec);

describe.skipIf(bin.skip !== null)(`pool gauges from a real Prometheus over four instances${bin.skip === null ? '' : ` (skipped: ${bin.skip})`}`, () => {
  const instances: Instance[] = [];
  let front: Server | null = null;
  let prom: TestPrometheus | null = null;
  const dir = mkdtempSync(join(tmpdir(), 'prodshape-promql-e2e-'));

  beforeAll(async () => {
    ensureBuilt();
    for (let i = 0; i < INSTANCES; i++) instances.push(await startInstance());
    front = await startFront(instances.map((i) => portOf(i.server)));
    prom = await startPrometheus(bin.path ?? '', instances.map((i) => `127.0.0.1:${portOf(i.server)}`));
    await waitScraped(prom, INSTANCES, 2);
    writeFileSync(join(dir, 'svc.yaml'), `name: svc
endpoints:
  - { name: work, path: /work }
observe:
  prometheus_server:
    url: ${prom.url.href}
    pool:
      in_use: pool_in_use{job="svc"}
      waiting: pool_waiting{job="svc"}
      size: pool_size{job="svc"}
`);
    // 60 rps (~40% of the 160 rps capacity), a 250 rps spike (1.6x), then 60 rps while the queue drains.
    writeFileSync(join(dir, 'spike.yaml'), 'name: spike\narrival: poisson\nstages:\n  - { duration: 5s, rate: 60 }\n  - { duration: 5s, rate: 250 }\n  - { duration: 6s, rate: 60 }\n');
  }, 60_000);

  afterAll(async () => {
    await prom?.stop();
    front?.close();
    for (const i of instances) i.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the pool saturation and the capacity from the PromQL sums over the four instances', async () => {
    const out = join(dir, 'run');
    const r = await runCli(['replay', '--scenario', join(dir, 'svc.yaml'), '--profile', join(dir, 'spike.yaml'), '--target', `http://127.0.0.1:${portOf(front ?? instances[0]!.server)}`,
      '--out', out, '--seed', '7'], { env: { NO_COLOR: '1' }, timeoutMs: 50_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = readReport(out);
    expect(reportSchemaErrors(report)).toEqual([]);

    // Every per-instance reading is a value that instance exported; the sums are what the break reads.
    const recs = readRecords(out).filter((x) => x.ok);
    expect(recs.length).toBeGreaterThanOrEqual(14);
    const ports = instances.map((i) => portOf(i.server));
    for (const rec of recs) {
      for (const [key, v] of Object.entries(rec.values)) {
        const m = /^promql:pool_(in_use|waiting|size)\{instance="127\.0\.0\.1:(\d+)",job="svc"\}$/.exec(key);
        expect(m, key).not.toBeNull();
        const inst = instances[ports.indexOf(Number(m?.[2]))];
        expect(inst, key).toBeDefined();
        if (m?.[1] === 'size') expect(v).toBe(POOL_SIZE);
        else expect(inst?.exported[m?.[1] as 'in_use' | 'waiting'].has(v), `${key} = ${v} at ${rec.t_s}`).toBe(true);
      }
    }

    const pool = report.breaks.find((b) => b.kind === 'pool-saturation');
    expect(pool, JSON.stringify(report.breaks.map((b) => b.summary))).toBeDefined();
    // Pool size evidence = 4 × each instance's size (the sum over the per-instance series).
    expect(pool?.evidence.pool_size).toBe(INSTANCES * POOL_SIZE);
    expect(pool?.summary).toMatch(new RegExp(`size ${INSTANCES * POOL_SIZE}\\)`));
    // The largest waiting in the break is a sum of readings, at most the sum of each instance's largest.
    const maxWaiting = Number(pool?.evidence.max_waiting);
    expect(maxWaiting).toBeGreaterThan(0);
    expect(maxWaiting).toBeLessThanOrEqual(instances.reduce((s, i) => s + i.maxWaiting, 0));
    const sums = recs.map((x) => Object.entries(x.values).filter(([k]) => k.startsWith('promql:pool_waiting{')).reduce((s, [, v]) => s + v, 0));
    expect(sums).toContain(maxWaiting);
    // The spike (5-10 s, with the queue draining after it) is when the pool saturated.
    const first = Number(pool?.evidence.first_waiting_s);
    expect(first).toBeGreaterThanOrEqual(4);
    expect(first).toBeLessThan(12);

    // Capacity: instances from the per-instance series, the gauges divided by them (L = λW per instance).
    const cap = report.database?.capacity;
    expect(cap?.hold_source).toBe('pool-gauges');
    expect(cap?.instances).toBe(INSTANCES);
    expect(cap?.pool_size).toBe(POOL_SIZE);
    expect(cap?.configured).toBe(INSTANCES * POOL_SIZE);
    expect(cap?.sentence).toMatch(new RegExp(`${INSTANCES} instances x ${POOL_SIZE} = ${INSTANCES * POOL_SIZE}`));
    // The hold time is the service time: gauges sampled once a second at ~3 busy slots in calm seconds
    // are noisy, so within 0.4x-2.5x of SERVICE_MS (a per-instance reading would be 4x off).
    expect(cap?.hold_ms).toBeGreaterThan(SERVICE_MS * 0.4);
    expect(cap?.hold_ms).toBeLessThan(SERVICE_MS * 2.5);
    expect(report.diagnosis.find((d) => d.id === 'pool')?.summary).toMatch(new RegExp(`${INSTANCES} instances x ${POOL_SIZE}`));
    // The per-instance series are kept for the report.
    const per = report.database?.pool_instances ?? [];
    expect(per.map((p) => p.instance).sort()).toEqual(ports.map((p) => `127.0.0.1:${p}`).sort());
    for (const p of per) {
      const inst = instances[ports.indexOf(Number(p.instance.split(':')[1]))];
      expect(p.size).toBe(POOL_SIZE);
      expect(inst?.exported.in_use.has(p.max_in_use ?? -1)).toBe(true);
      expect(inst?.exported.waiting.has(p.max_waiting ?? -1)).toBe(true);
    }

    // A copy of the run whose server did not answer: re-read from a dead port, then from the real server.
    const copy = join(dir, 'copy');
    cpSync(out, copy, { recursive: true });
    const dead = await runCli(['report', copy, '--prometheus', 'http://127.0.0.1:1'], { env: { NO_COLOR: '1' } });
    expect(dead.stderr).toMatch(/query_range on http:\/\/127\.0\.0\.1:1\/ failed/);
    const deadReport = readReport(copy);
    expect(deadReport.breaks.some((b) => b.kind === 'pool-saturation')).toBe(false);
    expect(deadReport.pool.note).toMatch(/none of 1 scrapes held the gauges \(1 failed\); check observe\.prometheus_server/);
    const again = await runCli(['report', copy, '--prometheus', prom?.url.href ?? ''], { env: { NO_COLOR: '1' } });
    expect(again.stderr).toContain(`(${INSTANCES} instances)`);
    const reread = readReport(copy);
    const pool2 = reread.breaks.find((b) => b.kind === 'pool-saturation');
    expect(pool2?.evidence.pool_size).toBe(INSTANCES * POOL_SIZE);
    expect(pool2?.evidence.max_waiting).toBe(maxWaiting);
    expect(reread.database?.capacity?.configured).toBe(INSTANCES * POOL_SIZE);
    // A remote server is refused before anything is read, naming the flag.
    const remote = await runCli(['report', copy, '--prometheus', 'http://203.0.113.9:9090']);
    expect(remote.code).toBe(1);
    expect(remote.stderr).toMatch(/--prometheus: http:\/\/203\.0\.113\.9:9090\/: 203\.0\.113\.9 \(public\), outside loopback and private networks/);
  }, 60_000);
});

