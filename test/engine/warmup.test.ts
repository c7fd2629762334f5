/**
 * The warm-up (`--warmup`): the plan's first seconds sent once before time
 * zero and measured nowhere. Against a real server on 127.0.0.1 that stamps
 * each request's arrival: what the target saw, what the run counted, and a
 * stop that comes during the warm-up.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runPlan, type RunPlanOptions } from '../../src/engine/index.js';
import { RUN_FILES, type RequestRecord, type WindowRecord } from '../../src/run/format.js';
import { parseScenario } from '../../src/scenario/scenario.js';
import { compileScenarioRequests } from '../../src/traffic/template.js';
import { scenarioPlan, type ScenarioPlanArgs } from '../../src/traffic/scenario-plan.js';
import type { PlannedRequest } from '../../src/traffic/plan.js';
import type { Observer } from '../../src/engine/observer.js';
import { startServer, type TestServer } from './servers.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A server that notes when (epoch ms) each request arrived. */
const stampingServer = async (): Promise<{ srv: TestServer; seenAtMs: number[] }> => {
  const seenAtMs: number[] = [];
  const srv = await startServer((_req, res) => {
    seenAtMs.push(performance.timeOrigin + performance.now());
    res.end('ok');
  });
  servers.push(srv);
  return { srv, seenAtMs };
};

const work = (): string => mkdtempSync(join(tmpdir(), 'ps-warmup-'));
const readNd = <T>(file: string): T[] => readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as T);
const SCENARIO = 'name: t\nendpoints:\n  - { name: e, path: /x }\n';
const META: RunPlanOptions['meta'] = { scenario: 't', profile: 't', seed: 1, speed: 1, rateScale: 1, arrival: 'constant', endpoints: ['e'], slo: [] };

/** Constant arrivals (the k-th at (k + 0.5) / rate): the count due before any time is known. */
function* constant(rateRps: number, durationMs: number): Generator<PlannedRequest> {
  yield* scenarioPlan({ templates: compileScenarioRequests(parseScenario(SCENARIO), null), tenants: null, profile: { arrival: 'constant', stages: [{ kind: 'hold', durationMs, rateRps }] }, seed: 1 });
}

interface WarmupMeta { sent: number; ok: number; failed: number; lag_p99_ms: number | null }

describe('warm-up before time zero', () => {
  it('sends the plan\'s first seconds once before time zero; the run counts only the plan, from its start', async () => {
    const { srv, seenAtMs } = await stampingServer();
    const dir = join(work(), 'run');
    const log = `${dir}.requests.ndjson`;
    // 200/s for 2 s, warm-up 0.5 s: the 100 arrivals of the first 0.5 s are sent twice.
    const r = await runPlan({ target: new URL(srv.url), outDir: dir, plan: { stream: constant(200, 2000) }, plannedDurationMs: 2000, warmupMs: 500, logRequestsFile: log, meta: META });
    const t0 = r.meta.started_at_ms;
    const warm = r.meta.extra?.['warmup'] as WarmupMeta;
    expect(warm).toEqual({ sent: 100, ok: 100, failed: 0, lag_p99_ms: expect.any(Number) as number });
    expect(r.meta.extra?.['warmup_ms']).toBe(500);
    // The run's numbers hold the plan alone, once.
    expect(r.totals.sent).toBe(400);
    expect(r.totals.ok).toBe(400);
    expect(srv.counts.get('GET /x')).toBe(500);
    const reqs = readNd<RequestRecord>(log);
    expect(reqs).toHaveLength(400);
    expect(Math.min(...reqs.map((q) => q.intended_ms))).toBeLessThan(10);
    const windows = readNd<WindowRecord>(join(dir, RUN_FILES.windows));
    expect(windows.reduce((n, w) => n + w.sent, 0)).toBe(400);
    expect(Math.min(...windows.map((w) => w.t_s))).toBe(0);
    // What the target saw before time zero is the warm-up and nothing else, sent over 0.5 s that ended
    // before time zero. (Margins: a loaded machine may delay a send by tens of ms, not by 150.)
    const before = seenAtMs.filter((t) => t < t0).length;
    expect(before).toBeLessThanOrEqual(100);
    expect(before).toBeGreaterThan(50);
    expect(Math.min(...seenAtMs)).toBeLessThan(t0 - 350);
  }, 30_000);

  it('without --warmup nothing is sent before time zero and run.json has no warm-up', async () => {
    const { srv, seenAtMs } = await stampingServer();
    const r = await runPlan({ target: new URL(srv.url), outDir: join(work(), 'run'), plan: { stream: constant(200, 1000) }, plannedDurationMs: 1000, meta: META });
    expect(r.meta.extra?.['warmup']).toBeUndefined();
    expect(r.meta.extra?.['warmup_ms']).toBe(0);
    expect(srv.counts.get('GET /x')).toBe(200);
    expect(seenAtMs.every((t) => t >= r.meta.started_at_ms)).toBe(true);
  }, 30_000);

  it('observers start after the warm-up, before the run\'s time zero: what they count is the run\'s traffic', async () => {
    const { srv, seenAtMs } = await stampingServer();
    const calls: { startedAtEpochMs: number; seenBefore: number; ctxT0: number }[] = [];
    const watcher: Observer = {
      name: 'watcher',
      start: (ctx) => {
        calls.push({ startedAtEpochMs: performance.timeOrigin + performance.now(), seenBefore: seenAtMs.length, ctxT0: ctx.startedAtMs });
        return Promise.resolve();
      },
      stop: () => Promise.resolve(),
    };
    const r = await runPlan({ target: new URL(srv.url), outDir: join(work(), 'run'), plan: { stream: constant(200, 1000) }, plannedDurationMs: 1000, warmupMs: 1000, observers: [watcher], meta: META });
    expect(calls).toHaveLength(1);
    const [call] = calls;
    // Started once the warm-up had sent its 200 requests (all but those still in flight had arrived), before time zero.
    expect(call!.seenBefore).toBeGreaterThanOrEqual(190);
    expect(call!.startedAtEpochMs).toBeLessThan(r.meta.started_at_ms + 1);
    expect(Math.round(call!.ctxT0)).toBe(r.meta.started_at_ms);
    expect(srv.counts.get('GET /x')).toBe(400);
  }, 30_000);

  it('2 workers: each warms up on its own share; together the plan\'s first seconds once', async () => {
    const { srv } = await stampingServer();
    const dir = work();
    const args: ScenarioPlanArgs = { scenarioFile: join(dir, 'sc.yaml'), scenarioText: SCENARIO, profile: { arrival: 'constant', stages: [{ kind: 'hold', durationMs: 2000, rateRps: 300 }] }, dataDir: null, seed: 1 };
    const r = await runPlan({
      target: new URL(srv.url), outDir: join(dir, 'run'), workers: 2, plannedDurationMs: 2000, warmupMs: 1000,
      plan: { recipe: { module: pathToFileURL(join(import.meta.dirname, '../../src/traffic/scenario-plan.ts')).href, export: 'scenarioPlanFactory', args } },
      meta: META,
    });
    expect(r.meta.workers).toBe(2);
    expect((r.meta.extra?.['warmup'] as WarmupMeta).sent).toBe(300);
    expect(r.totals.sent).toBe(600);
    expect(srv.counts.get('GET /x')).toBe(900);
  }, 60_000);

  it('a stop during the warm-up ends the run before time zero: interrupted, nothing measured, run.json written', async () => {
    const { srv, seenAtMs } = await stampingServer();
    const ac = new AbortController();
    const dir = join(work(), 'run');
    const p = runPlan({ target: new URL(srv.url), outDir: dir, plan: { stream: constant(100, 10_000) }, plannedDurationMs: 10_000, warmupMs: 5000, graceMs: 500, signal: ac.signal, meta: META });
    // Stop once the target has seen some of the warm-up (bounded: 20 s at most).
    for (let i = 0; i < 2000 && seenAtMs.length < 20; i++) await new Promise((res) => setTimeout(res, 10));
    ac.abort('interrupted (test)');
    const r = await p;
    expect(seenAtMs.length).toBeGreaterThanOrEqual(20);
    expect(r.meta.interrupted).toBe(true);
    expect(r.meta.interrupt_reason).toBe('interrupted (test)');
    expect(r.meta.duration_s).toBe(0);
    expect(r.totals.sent).toBe(0);
    expect((r.meta.extra?.['warmup'] as WarmupMeta).sent).toBeLessThan(500);
    expect(JSON.parse(readFileSync(join(dir, RUN_FILES.meta), 'utf8'))).toMatchObject({ interrupted: true });
  }, 60_000);
});
