/**
 * The Prometheus observer against a real /metrics endpoint (node:http +
 * prodshape's exposition writer on 127.0.0.1): scrapes are parsed, kept series are the ones
 * asked for, each scrape lands in the right second of the run, and failures
 * (500, refused) are recorded without stopping anything.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { EXPOSITION_CONTENT_TYPE, formatExposition } from '../../src/core/prom-text.js';
import { createObservers } from '../../src/observe/index.js';
import { loadObserved, poolPerSecond } from '../../src/observe/findings.js';
import { parseScenario } from '../../src/scenario/scenario.js';
import { sleep, testContext } from './context.js';

let server: Server | null = null;
afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(null)));
  server = null;
});

/** A /metrics server whose `run_elapsed_seconds` gauge reads the run's clock when scraped. */
const start = async (startedAtMs: () => number, mode: { status: number }) => {
  const scrape = (): string => formatExposition([
    { name: 'run_elapsed_seconds', help: 'seconds since the run started, read at scrape time', type: 'gauge', samples: [{ labels: {}, value: (Date.now() - startedAtMs()) / 1000 }] },
    { name: 'app_db_pool_in_use', help: 'in use', type: 'gauge', samples: [{ labels: { pool: 'main' }, value: 4 }, { labels: { pool: 'replica' }, value: 2 }] },
    { name: 'app_db_pool_size', help: 'size', type: 'gauge', samples: [{ labels: {}, value: 10 }] },
    { name: 'unrelated_series', help: 'not kept', type: 'gauge', samples: [{ labels: {}, value: 1 }] },
    { name: 'cache_hits_total', help: 'hits', type: 'counter', samples: [{ labels: {}, value: 3 }] },
  ]);
  server = createServer((req, res) => {
    if (req.url !== '/metrics' || mode.status !== 200) {
      res.writeHead(mode.status === 200 ? 404 : mode.status).end('nope');
      return;
    }
    res.writeHead(200, { 'content-type': EXPOSITION_CONTENT_TYPE }).end(scrape());
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

describe('Prometheus scrape', () => {
  it('parses a real /metrics endpoint, keeps the asked-for series, aligns each scrape to its second and records failures', async () => {
    const mode = { status: 200 };
    let startedAt = 0;
    const base = await start(() => startedAt, mode);
    const scenario = parseScenario(`
name: prom-test
observe:
  prometheus: /metrics
  interval: 250ms
  pool: { in_use: app_db_pool_in_use, size: app_db_pool_size }
  metrics: [run_elapsed_seconds, "cache_*"]
`);
    // Like the engine: time zero is fixed only once the observers are up.
    const ctx = testContext({ scenario, target: new URL(`${base}/api/`), lateZero: true });
    const [obs] = createObservers(scenario);
    // How late this process's timers ran during the run: the scrape ticker's timers run on the same loop.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    await obs!.start(ctx);
    ctx.fixZero();
    startedAt = ctx.startedAtMs;
    await sleep(1600);
    mode.status = 500;
    await sleep(400);
    await new Promise((r) => server!.close(r));
    server = null;
    await sleep(400);
    await obs!.stop();

    const o = await loadObserved(ctx.runDir);
    // the scrape taken during start, before time zero, counts as second 0
    expect(o.scrapes[0]?.t_s).toBe(0);
    const good = o.scrapes.filter((s) => s.ok).slice(1);
    const bad = o.scrapes.filter((s) => !s.ok);
    // every 250 ms for ~1.6 s (tolerant of a loaded machine)
    expect(good.length).toBeGreaterThanOrEqual(5);
    expect(good.length).toBeLessThanOrEqual(9);
    for (const s of good) {
      expect(Object.keys(s.values).sort()).toEqual([
        'app_db_pool_in_use{pool="main"}', 'app_db_pool_in_use{pool="replica"}', 'app_db_pool_size', 'cache_hits_total', 'run_elapsed_seconds',
      ]);
      // the gauge was read while the request was in flight: t_s is its midpoint, so it lands in the right second
      const elapsed = s.values.run_elapsed_seconds!;
      const slack = s.duration_ms / 2000 + 0.005;
      expect(Math.abs(elapsed - s.t_s)).toBeLessThanOrEqual(slack);
      if (Math.abs(s.t_s - Math.round(s.t_s)) > slack) expect(Math.floor(elapsed)).toBe(Math.floor(s.t_s));
    }
    // scheduled on the run's clock: each scrape is sent just after a 250-ms tick (or up to 10 ms before it,
    // rounding). t_s is the request's midpoint, so its send time is t_s minus half its duration. How late a timer
    // may fire is what this process's event loop measured during the run (its largest delay) plus 30 ms; when
    // the machine was so busy that this reaches 240 ms, the ticks cannot be told apart and only the count above holds.
    loopDelay.disable();
    const lateMs = loopDelay.max / 1e6 + 30;
    for (const s of good) {
      const sentMs = s.t_s * 1000 - s.duration_ms / 2;
      const afterTickMs = ((sentMs % 250) + 250) % 250;
      if (lateMs < 240) expect(afterTickMs <= lateMs || afterTickMs > 240, `sent ${sentMs.toFixed(1)} ms, ${afterTickMs.toFixed(1)} ms after a tick; loop delay allows ${lateMs.toFixed(0)} ms`).toBe(true);
    }
    expect(bad.some((s) => /HTTP 500/.test(s.error ?? ''))).toBe(true);
    expect(bad.some((s) => /ECONNREFUSED|fetch failed/.test(s.error ?? ''))).toBe(true);
    expect(o.meta?.warnings.some((w) => /scrape .* failed/.test(w))).toBe(true);
    // pool gauges per second, summed over the label sets
    const pool = poolPerSecond(o.scrapes, o.meta?.prometheus?.pool ?? null);
    expect(pool[0]).toMatchObject({ t_s: 0, in_use: 6, size: 10, waiting: null });
    expect(pool.map((p) => p.t_s)).toEqual([...new Set(good.map((s) => Math.floor(s.t_s)))]);
  });

  it('needs a target for a relative path and says so', async () => {
    const scenario = parseScenario('name: p\nobserve:\n  prometheus: /metrics\n');
    const ctx = testContext({ scenario });
    const [obs] = createObservers(scenario);
    await obs!.start(ctx);
    await obs!.stop();
    const o = await loadObserved(ctx.runDir);
    expect(o.scrapes).toEqual([]);
    expect(o.meta?.warnings[0]).toMatch(/no target URL/);
  });

  it('leaves out an observer whose ${VAR} is not set, with a warning, and refuses a bad --instances', async () => {
    const scenario = parseScenario('name: p\nobserve:\n  postgres: { url: "${PS_SURELY_UNSET_VAR}" }\n');
    const observers = createObservers(scenario);
    expect(observers.map((o) => o.name)).toEqual(['observe-meta']);
    const ctx = testContext({ scenario });
    await observers[0]!.start(ctx);
    await observers[0]!.stop();
    expect(ctx.lines.join('\n')).toMatch(/observe.postgres.url: \$\{PS_SURELY_UNSET_VAR\} is not set .* observer is off/);
    expect((await loadObserved(ctx.runDir)).meta?.warnings).toHaveLength(1);
    expect(() => createObservers(null, { instances: 0 })).toThrow(/--instances/);
    expect(createObservers(null)).toEqual([]);
  });
});
