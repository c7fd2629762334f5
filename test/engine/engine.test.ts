import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runPlan, type RunPlanOptions } from '../../src/engine/index.js';
import type { Observer } from '../../src/engine/observer.js';
import { RUN_FILES, type EventRecord, type WindowRecord } from '../../src/run/format.js';
import { decodeHistogram, maxMs, mergeHistograms, percentileMs } from '../../src/run/histogram.js';
import { parseScenario } from '../../src/scenario/scenario.js';
import { parseProfile } from '../../src/scenario/profile.js';
import { compileScenarioRequests } from '../../src/traffic/template.js';
import { scenarioPlan } from '../../src/traffic/scenario-plan.js';
import type { PlannedRequest } from '../../src/traffic/plan.js';
import { startServer, type TestServer } from './servers.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
const serve = async (...args: Parameters<typeof startServer>): Promise<TestServer> => {
  const s = await startServer(...args);
  servers.push(s);
  return s;
};

const outDir = (): string => join(mkdtempSync(join(tmpdir(), 'ps-engine-')), 'run');
const readNd = <T>(dir: string, name: string): T[] =>
  readFileSync(join(dir, name), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as T);

const META: RunPlanOptions['meta'] = { scenario: 't', profile: 't', seed: 1, speed: 1, rateScale: 1, arrival: 'poisson', endpoints: [], slo: [] };

/** Planned requests at a constant or Poisson rate to one path. */
function* steady(rateRps: number, durationMs: number, path = '/x', arrival: 'constant' | 'poisson' = 'constant'): Generator<PlannedRequest> {
  const sc = parseScenario(`name: t\nendpoints:\n  - { name: e, path: "${path}" }\n`);
  yield* scenarioPlan({ templates: compileScenarioRequests(sc, null), tenants: null, profile: { arrival, stages: [{ kind: 'hold', durationMs, rateRps }] }, seed: 1 });
}

/** A dispatcher that holds the sending thread `holdMs` per request (a generator without the CPU to keep up), then answers 200. */
const slowDispatcher = (holdMs: number) => ({
  dispatch(_opts: unknown, handler: { onConnect?(abort: () => void): void; onHeaders?(status: number, headers: Buffer[], resume: () => void, text: string): boolean; onComplete?(trailers: null): void }): boolean {
    const end = performance.now() + holdMs;
    while (performance.now() < end) {
      // the thread is busy: the next arrivals fall behind
    }
    handler.onConnect?.(() => undefined);
    setImmediate(() => {
      handler.onHeaders?.(200, [], () => undefined, 'OK');
      handler.onComplete?.(null);
    });
    return true;
  },
  destroy: (): Promise<void> => Promise.resolve(),
});

const merged = (ws: WindowRecord[]) => mergeHistograms(ws.map((w) => decodeHistogram(w.latency)));

describe('runPlan against real servers', () => {
  it('flags a generator that fell behind: generator_limited in run.json, and its warning names the remedies (--busy-poll when it was off)', async () => {
    for (const busyPoll of [false, true]) {
      const lines: string[] = [];
      // 100/s for 1 s, each send holding the thread 15 ms: every send is 5 ms later than the one before.
      const r = await runPlan({
        target: new URL('http://127.0.0.1:9/'), outDir: outDir(), plan: { stream: steady(100, 1000) }, plannedDurationMs: 1000, meta: META, busyPoll,
        dispatcher: slowDispatcher(15) as unknown as NonNullable<RunPlanOptions['dispatcher']>, log: (l) => lines.push(l),
      });
      expect(r.meta.lag_ms.p99).toBeGreaterThan(100);
      expect(r.meta.generator_limited).toBe(true);
      expect(r.meta.extra?.['busy_poll']).toBe(busyPoll);
      const warning = lines.join('\n');
      expect(warning).toMatch(/schedule lag p99 was [\d.]+ ms \(> 5 ms\): the load generator, not the target, was the bottleneck/);
      expect(warning.includes('--busy-poll')).toBe(!busyPoll);
    }
  });

  it('a fast server at a fixed rate: achieved within 1% of offered, the right endpoint mix', async () => {
    const srv = await serve();
    const sc = parseScenario('name: mix\nendpoints:\n  - { name: a, weight: 6, path: /a }\n  - { name: b, weight: 3, path: /b }\n  - { name: c, weight: 1, path: /c }\n');
    const profile = parseProfile('stages:\n  - { duration: 5s, rate: 400 }\n');
    const plan = scenarioPlan({ templates: compileScenarioRequests(sc, null), tenants: null, profile, seed: 11 });
    const dir = outDir();
    const r = await runPlan({ target: new URL(srv.url), outDir: dir, plan: { stream: plan }, plannedDurationMs: 5000, meta: { ...META, endpoints: ['a', 'b', 'c'] } });
    expect(r.meta.interrupted).toBe(false);
    const ws = readNd<WindowRecord>(dir, RUN_FILES.windows);
    const offered = ws.reduce((s, w) => s + w.offered, 0);
    const ok = ws.reduce((s, w) => s + w.ok_in_window, 0);
    expect(offered).toBe(r.totals.offered);
    expect(offered).toBeGreaterThan(1800);
    expect(ok / offered).toBeGreaterThanOrEqual(0.99);
    expect(r.totals.dropped).toBe(0);
    // The server saw exactly what was sent, in the scenario's mix (chi-square, 2 df, 0.1%: 13.8).
    const seen = ['a', 'b', 'c'].map((e) => srv.counts.get(`GET /${e}`) ?? 0);
    expect(seen.reduce((s, n) => s + n, 0)).toBe(r.totals.sent);
    const chi = [6, 3, 1].reduce((s, w, i) => s + (seen[i]! - (offered * w) / 10) ** 2 / ((offered * w) / 10), 0);
    expect(chi).toBeLessThan(13.8);
    // Windows are attributed to the intended second: the same counts as the plan's arrivals per second.
    const expected = new Map<number, number>();
    for (const p of scenarioPlan({ templates: compileScenarioRequests(sc, null), tenants: null, profile, seed: 11 })) {
      const t = Math.floor(p.atMs / 1000);
      expected.set(t, (expected.get(t) ?? 0) + 1);
    }
    for (const [t, n] of expected) expect(ws.filter((w) => w.t_s === t).reduce((s, w) => s + w.offered, 0)).toBe(n);
    expect(r.meta.lag_ms.p99).not.toBeNull();
  });

  it('no coordinated omission: a server that freezes 1 s every 5 s gives a p99 near the stall', async () => {
    // The server freezes from 1 s to 2 s and from 6 s to 7 s after it starts: requests arriving
    // then are held until the freeze ends.
    const t0 = Date.now() + 500;
    const srv = await serve((_req, res) => {
      const phase = (Date.now() - t0) % 5000;
      const frozen = Date.now() >= t0 && phase >= 1000 && phase < 2000;
      if (frozen) setTimeout(() => res.end('late'), 2000 - phase);
      else res.end('ok');
    });
    const dir = outDir();
    // A closed-loop client alongside (one connection, next request when the last returns),
    // measuring from its actual send as closed-loop tools do.
    const closedLoop = (async () => {
      const { Pool } = await import('undici');
      const pool = new Pool(srv.url, { connections: 1 });
      const lat: number[] = [];
      const end = t0 + 9500;
      while (Date.now() < end) {
        const s = performance.now();
        const res = await pool.request({ path: '/closed', method: 'GET' });
        await res.body.dump();
        lat.push(performance.now() - s);
      }
      await pool.close();
      return lat.sort((a, b) => a - b);
    })();
    await new Promise((res) => setTimeout(res, Math.max(0, t0 - Date.now())));
    const r = await runPlan({ target: new URL(srv.url), outDir: dir, plan: { stream: steady(200, 9000) }, plannedDurationMs: 9000, meta: META });
    const closed = await closedLoop;
    const h = merged(readNd<WindowRecord>(dir, RUN_FILES.windows));
    const p99 = percentileMs(h, 99)!;
    // About 2 × 200 of 1800 requests waited up to a second: p99 is most of the stall.
    expect(p99).toBeGreaterThan(800);
    expect(maxMs(h)!).toBeGreaterThan(900);
    expect(maxMs(h)!).toBeLessThan(1300);
    // The closed loop saw a handful of slow requests among thousands: its p99 is far lower.
    const closedP99 = closed[Math.floor(closed.length * 0.99)]!;
    expect(closed.length).toBeGreaterThan(300); // enough samples that 2-3 stalled ones fall above the 99th percentile
    expect(closedP99).toBeLessThan(p99 / 10);
    expect(r.totals.ok).toBe(r.totals.sent);
  });

  it('classifies errors: 500s, 404s, resets and timeouts', async () => {
    const srv = await serve((req, res) => {
      if (req.url === '/500') {
        res.statusCode = 500;
        res.end('boom');
      } else if (req.url === '/404') {
        res.statusCode = 404;
        res.end('no');
      } else if (req.url === '/reset') {
        req.socket.destroy();
      } else if (req.url === '/hang') {
        // never answers
      } else res.end('ok');
    });
    const plan = function* (): Generator<PlannedRequest> {
      const paths = ['/500', '/404', '/reset', '/hang', '/ok'];
      for (let i = 0; i < 100; i++) {
        const p = paths[i % paths.length]!;
        yield { atMs: i * 10, endpoint: p.slice(1), method: 'GET', path: p, tenant: null, tenantClass: 'none' };
      }
    };
    const dir = outDir();
    const r = await runPlan({ target: new URL(srv.url), outDir: dir, plan: { stream: plan() }, plannedDurationMs: 1000, timeoutMs: 300, meta: META });
    expect(r.totals.errors).toEqual({ connect: 0, reset: 20, timeout: 20, '4xx': 20, '5xx': 20, other: 0, aborted: 0 });
    expect(r.totals.ok).toBe(20);
    const ws = readNd<WindowRecord>(dir, RUN_FILES.windows);
    const hang = merged(ws.filter((w) => w.endpoint === 'hang'));
    // A timed-out request counts from its intended time up to its deadline.
    expect(percentileMs(hang, 50)!).toBeGreaterThanOrEqual(299);
    expect(percentileMs(hang, 50)!).toBeLessThan(450);
    expect(ws.filter((w) => w.endpoint === 'reset').reduce((s, w) => s + (w.errors.reset ?? 0), 0)).toBe(20);
  });

  it('a target that dies mid-run: arrivals stop, everything measured is written, interrupted', async () => {
    const srv = await serve();
    setTimeout(() => void srv.close(), 1500);
    const dir = outDir();
    const started = Date.now();
    const r = await runPlan({ target: new URL(srv.url), outDir: dir, plan: { stream: steady(100, 20_000) }, plannedDurationMs: 20_000, graceMs: 500, meta: META });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r.meta.interrupted).toBe(true);
    expect(r.meta.interrupt_reason).toMatch(/target stopped answering/);
    expect(r.totals.ok).toBeGreaterThan(100);
    expect(r.totals.errors.connect).toBeGreaterThan(100);
    const meta = JSON.parse(readFileSync(join(dir, RUN_FILES.meta), 'utf8')) as { interrupted: boolean; duration_s: number };
    expect(meta.interrupted).toBe(true);
    expect(meta.duration_s).toBeLessThan(8);
    expect(readNd<WindowRecord>(dir, RUN_FILES.windows).reduce((s, w) => s + w.ok_in_window, 0)).toBe(r.totals.ok);
  });

  it('counts arrivals beyond --max-inflight as dropped, never silently', async () => {
    const srv = await serve((_req, res) => setTimeout(() => res.end('slow'), 400));
    const dir = outDir();
    const r = await runPlan({ target: new URL(srv.url), outDir: dir, plan: { stream: steady(200, 2000) }, plannedDurationMs: 2000, maxInflight: 20, meta: META });
    expect(r.totals.offered).toBe(400);
    expect(r.totals.dropped).toBeGreaterThan(200);
    expect(r.totals.sent + r.totals.dropped).toBe(400);
    const ws = readNd<WindowRecord>(dir, RUN_FILES.windows);
    expect(ws.reduce((s, w) => s + w.dropped, 0)).toBe(r.totals.dropped);
  });

  it('fires a deploy event once, at its second, while traffic goes on; a slow command times out', async () => {
    const deploys: number[] = [];
    const srv = await serve((req, res) => {
      if (req.url === '/admin/deploy') deploys.push(Date.now());
      res.end('ok');
    });
    const dir = outDir();
    const calls: string[] = [];
    const observer: Observer = {
      name: 'probe',
      start: (c) => {
        calls.push(`start ${c.nowMs() < 0 ? 'before' : 'after'} time zero`);
        return Promise.resolve();
      },
      onEvent: (e) => {
        calls.push(`event ${e.action}`);
        return Promise.resolve();
      },
      stop: () => {
        calls.push('stop');
        return Promise.resolve();
      },
    };
    const sc = parseScenario('name: d\nendpoints:\n  - { name: e, path: /x }\nactions:\n  deploy: { http: POST /admin/deploy }\n  slow: { run: "echo starting; sleep 5", timeout: 300ms }\n');
    const p = runPlan({
      target: new URL(srv.url), outDir: dir, plan: { stream: steady(50, 3000) }, plannedDurationMs: 3000, meta: META,
      events: [{ atMs: 1500, action: 'deploy', optional: false }, { atMs: 500, action: 'slow', optional: false }], actions: sc.actions, observers: [observer],
    });
    const r = await p;
    expect(deploys).toHaveLength(1);
    // The target received it at 1.5 s after time zero (wall clock, within timer slack).
    expect(deploys[0]! - r.meta.started_at_ms).toBeGreaterThan(1450);
    expect(deploys[0]! - r.meta.started_at_ms).toBeLessThan(1700);
    const events = readNd<EventRecord>(dir, RUN_FILES.events);
    const deploy = events.find((e) => e.action === 'deploy')!;
    expect(deploy).toMatchObject({ t_s: 1.5, kind: 'http', ok: true, status: 200 });
    expect(deploy.start_ms).toBeGreaterThanOrEqual(1499);
    expect(deploy.start_ms).toBeLessThan(1600);
    const slow = events.find((e) => e.action === 'slow')!;
    expect(slow).toMatchObject({ kind: 'run', ok: false, error: 'timed out after 0.3 s' });
    expect(slow.output).toContain('starting');
    expect(slow.end_ms - slow.start_ms).toBeLessThan(1500);
    expect(r.totals.ok).toBe(150);
    expect(calls).toEqual(['start before time zero', 'event slow', 'event deploy', 'stop']);
  });

  it('runs an asynchronous plan stream (e.g. a log being read) at its times', async () => {
    const srv = await serve();
    async function* fromLog(): AsyncGenerator<PlannedRequest> {
      for (let i = 0; i < 600; i++) {
        if (i % 100 === 0) await new Promise((res) => setTimeout(res, 5)); // reading a file
        yield { atMs: i * 2.5, endpoint: i % 2 ? 'odd' : 'even', method: 'GET', path: `/log/${i}`, tenant: i % 3 ? `t${i % 7}` : null, tenantClass: i % 3 ? 'rest' : 'none' };
      }
      // Out of order by a whole second: sent as due, counted.
      yield { atMs: 100, endpoint: 'late', method: 'GET', path: '/late', tenant: null, tenantClass: 'none' };
    }
    const dir = outDir();
    const lines: string[] = [];
    const r = await runPlan({ target: new URL(srv.url), outDir: dir, plan: { stream: fromLog() }, plannedDurationMs: 1500, meta: { ...META, arrival: 'log' }, log: (l) => lines.push(l) });
    expect(r.totals.ok).toBe(601);
    expect(r.meta.extra?.unsorted_arrivals).toBe(1);
    expect(lines.join('\n')).toMatch(/1 planned requests came earlier/);
    const ws = readNd<WindowRecord>(dir, RUN_FILES.windows);
    expect(ws.filter((w) => w.t_s === 0).reduce((s, w) => s + w.offered, 0)).toBe(400);
    expect(ws.filter((w) => w.tenant_class === 'none').reduce((s, w) => s + w.offered, 0)).toBe(201);
    // Tenants seen in the plan are tracked on first sight when no tracked list is given.
    expect(new Set(readNd<{ tenant: string }>(dir, RUN_FILES.tenants).map((t) => t.tenant)).size).toBe(7);
  });

  it('prefixes the target\'s own path to every request and action', async () => {
    const srv = await serve();
    const sc = parseScenario('name: p\nendpoints:\n  - { name: e, path: "/x?q=1" }\nactions:\n  deploy: { http: POST /admin/deploy }\n');
    const r = await runPlan({
      target: new URL(`${srv.url}/api/`), outDir: outDir(), plan: { stream: steady(50, 1000, '/x?q=1') }, plannedDurationMs: 1000, meta: META,
      events: [{ atMs: 200, action: 'deploy', optional: false }], actions: sc.actions,
    });
    expect(r.totals.ok).toBe(50);
    expect(srv.counts.get('GET /api/x')).toBe(50);
    expect(srv.counts.get('POST /api/admin/deploy')).toBe(1);
  });
});

describe('live status', () => {
  it('rates over the time the shares\' snapshots cover: no tick shows nothing offered while traffic flows, even after a stall', async () => {
    // The shares' 1 s snapshot clock and the live tick are not in step: dividing by the time between
    // ticks showed 0/s, then twice the rate, on the first run's screen.
    const srv = await serve();
    const statuses: { elapsedMs: number; offeredRps: number }[] = [];
    // 1.3 s of a blocked main thread at 1.5 s (a long GC, a synchronous parse): the live timer fires late.
    setTimeout(() => {
      const until = Date.now() + 1300;
      while (Date.now() < until) { /* busy */ }
    }, 1500);
    // 8 s of traffic: at least two ticks after the stall even when a busy machine delays the timer by seconds more.
    await runPlan({
      target: new URL(srv.url), outDir: outDir(), plan: { stream: steady(200, 8000) }, plannedDurationMs: 8000, meta: META,
      onLive: (s) => statuses.push({ elapsedMs: s.elapsedMs, offeredRps: s.offeredRps }),
    });
    const during = statuses.filter((s) => s.elapsedMs > 1000 && s.elapsedMs < 7800);
    expect(during.length).toBeGreaterThanOrEqual(2);
    for (const s of during) expect(s.offeredRps, JSON.stringify(statuses)).toBeGreaterThan(100);
  });
});
