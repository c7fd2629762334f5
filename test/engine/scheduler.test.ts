/**
 * The scheduler on fake time (test/engine/fake-clock.ts): the share runs its
 * real loop, recorder and timeouts, but time moves only when it waits and the
 * target answers on that clock. What it measures is compared to the exact
 * truth: no machine dependence, so this file is in the `unit` group.
 */
import { describe, expect, it } from 'vitest';
import { Recorder } from '../../src/engine/recorder.js';
import { IDLE_GAP_MS, MAINTAIN_EVERY_MS, MAX_DEFER_MS, NAP_MS, SEND_QUANTUM_MS, ShareRunner, type ShareSink } from '../../src/engine/share.js';
import type { WindowRecord } from '../../src/run/format.js';
import { decodeHistogram, mergeHistograms, percentileMs, type Histogram } from '../../src/run/histogram.js';
import type { PlannedRequest } from '../../src/traffic/plan.js';
import { createFakeClock, fakeDispatcher, type FakeClock } from './fake-clock.js';

/** `n` GET arrivals from `startMs`, `gapMs(i)` apart. */
const plan = (n: number, gapMs: (i: number) => number, startMs = 0): PlannedRequest[] => {
  const out: PlannedRequest[] = [];
  let t = startMs;
  for (let i = 0; i < n; i++) {
    out.push({ atMs: t, endpoint: 'root', method: 'GET', path: `/r/${i}`, tenant: null, tenantClass: 'none' });
    t += gapMs(i);
  }
  return out;
};

/** A deterministic pseudo-random sequence in (0, 1) (a linear congruential generator). */
const lcg = (seed: number): (() => number) => {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
};

const runOnFakeTime = async (clock: FakeClock, requests: PlannedRequest[], serviceMs: (path: string, sentMs: number) => number, opts: { sendCostMs?: number; timeoutMs?: number; busyPoll?: boolean } = {}) => {
  const { dispatcher, sends } = fakeDispatcher(clock, serviceMs, opts.sendCostMs === undefined ? {} : { sendCostMs: opts.sendCostMs });
  const windows: WindowRecord[][] = [];
  const sink: ShareSink = { windows: (s) => windows.push(...s), live: () => undefined, dead: () => undefined };
  const runner = new ShareRunner(requests, {
    target: new URL('http://127.0.0.1:9/'), connections: 1, maxInflight: null, timeoutMs: opts.timeoutMs ?? 10_000, trackedTenants: null, logRequests: false, clock, dispatcher,
    ...(opts.busyPoll === true ? { busyPoll: true } : {}),
  }, sink);
  const result = await runner.run();
  const latency = mergeHistograms(windows.flat().map((w) => decodeHistogram(w.latency)));
  return { result, sends, windows, latency };
};

/** HDR precision: 3 significant digits, plus the 1 µs rounding of recordMs. */
const close = (measured: number | null, truth: number): void => {
  expect(measured).not.toBeNull();
  expect(Math.abs((measured as number) - truth)).toBeLessThanOrEqual(truth * 0.001 + 0.002);
};

/**
 * A latency: a response that comes in while the scheduler naps is read after the nap, so it reads up
 * to NAP_MS high (share.ts), never low; `lagMs` more where sends may be late by that much.
 */
const closeLatency = (measured: number | null, truth: number, lagMs = 0): void => {
  expect(measured).not.toBeNull();
  expect(measured as number).toBeGreaterThanOrEqual(truth * 0.999 - 0.002);
  expect(measured as number).toBeLessThanOrEqual(truth * 1.001 + 0.002 + NAP_MS + lagMs);
};

const pct = (h: Histogram, p: number): number | null => percentileMs(h, p);

describe('scheduler on fake time', () => {
  it('sends every arrival at its intended time, or with the next group when it comes within SEND_QUANTUM_MS of the last: never early, at most the quantum late', async () => {
    const rnd = lcg(7);
    // Poisson arrivals at 2,000/s for ~2 s, gaps from 0.5 µs to several ms: the timer and the nap paths, and
    // 45% of the gaps under the quantum (0.3 ms).
    const requests = plan(4000, () => -Math.log(rnd()) / 2);
    const intended = requests.map((r) => r.atMs);
    const clock = createFakeClock(-5);
    const { result, sends, windows, latency } = await runOnFakeTime(clock, requests, () => 3);
    expect(sends.length).toBe(4000);
    // Each send at or after its time, by at most the quantum; the wake-ups that send are a quantum apart at least.
    let lastWakeMs = -Infinity;
    let onTime = 0;
    sends.forEach((s, i) => {
      const atMs = intended[i] as number;
      expect(s.sentMs).toBeGreaterThanOrEqual(atMs - 1e-9);
      expect(s.sentMs - atMs).toBeLessThanOrEqual(SEND_QUANTUM_MS + 1e-9);
      if (s.sentMs !== lastWakeMs) {
        expect(s.sentMs - lastWakeMs).toBeGreaterThanOrEqual(SEND_QUANTUM_MS - 1e-9);
        // An arrival a quantum or more after the last wake-up that sent is sent at its time.
        if (atMs - lastWakeMs >= SEND_QUANTUM_MS) {
          expect(s.sentMs).toBeCloseTo(atMs, 9);
          onTime++;
        }
        lastWakeMs = s.sentMs;
      }
    });
    // Both kinds occur in this plan, so neither check above is idle.
    expect(onTime).toBeGreaterThan(1000);
    expect(sends.filter((s, i) => s.sentMs > (intended[i] as number) + 1e-9).length).toBeGreaterThan(500);
    expect(result.totals.ok).toBe(4000);
    expect(result.lag.maxValue).toBeLessThanOrEqual(SEND_QUANTUM_MS * 1000 + 1); // µs, plus the histogram's floor
    closeLatency(pct(latency, 50), 3, SEND_QUANTUM_MS);
    closeLatency(pct(latency, 100), 3, SEND_QUANTUM_MS);
    // Every second the plan spans, in order (second i at index i), holding every send.
    expect(windows.length).toBe(Math.floor((intended.at(-1) as number) / 1000) + 1);
    windows.forEach((sec, i) => sec.forEach((w) => expect(w.t_s).toBe(i)));
    expect(windows.flat().reduce((a, w) => a + w.sent, 0)).toBe(4000);
  });

  it('busy-polls on request: never naps or sleeps before the last arrival, and still sends each on time', async () => {
    // Poisson at 500/s: gaps up to ~20 ms, which the default scheduler sleeps through on a timer.
    const poisson = (): PlannedRequest[] => {
      const rnd = lcg(11);
      return plan(1000, () => -Math.log(rnd()) * 2);
    };
    const lastMs = poisson().at(-1)?.atMs as number;
    const waits = async (busyPoll: boolean): Promise<{ naps: number; sleeps: number; maxLagUs: number; p50: number | null }> => {
      const clock = createFakeClock(-5);
      let naps = 0;
      let sleeps = 0;
      const nap = clock.nap.bind(clock);
      const sleep = clock.sleep.bind(clock);
      clock.nap = (ms) => {
        if (clock.nowMs() < lastMs) naps++;
        nap(ms);
      };
      clock.sleep = (ms) => {
        if (clock.nowMs() < lastMs) sleeps++;
        return sleep(ms);
      };
      const { result, sends, latency } = await runOnFakeTime(clock, poisson(), () => 2, { busyPoll });
      expect(sends.length).toBe(1000);
      return { naps, sleeps, maxLagUs: result.lag.maxValue, p50: pct(latency, 50) };
    };
    const busy = await waits(true);
    expect(busy.naps).toBe(0);
    expect(busy.sleeps).toBe(0);
    expect(busy.maxLagUs).toBeLessThanOrEqual(1); // 1 µs: the histogram's floor
    closeLatency(busy.p50, 2);
    // The same plan without it naps and sleeps (so the counts above can fail).
    const idle = await waits(false);
    expect(idle.naps).toBeGreaterThan(100);
    expect(idle.sleeps).toBeGreaterThan(100);
  });

  it('counts a server stall from the intended time (no coordinated omission): p99 within HDR precision of the truth', async () => {
    // 1,000/s evenly for 10 s; the server holds every request that reaches it in [4000, 5000) ms of each 5 s until the stall ends.
    const requests = plan(10_000, () => 1);
    const clock = createFakeClock();
    const service = (_: string, sentMs: number): number => {
      const phase = ((sentMs % 5000) + 5000) % 5000;
      return phase >= 4000 ? 5000 - phase : 0.5;
    };
    const truth = requests.map((r) => service(r.path, r.atMs)).sort((a, b) => a - b);
    const { result, latency } = await runOnFakeTime(clock, requests, service);
    expect(result.totals.ok).toBe(10_000);
    closeLatency(pct(latency, 99), truth[Math.ceil(0.99 * truth.length) - 1] as number);
    closeLatency(pct(latency, 50), truth[Math.ceil(0.5 * truth.length) - 1] as number);
  });

  it('measures its own lag when sending costs more than the gap, and counts it in the latency', async () => {
    // Arrivals every 0.1 ms, each send costs 0.15 ms of the thread: the generator falls behind by 0.05 ms per request.
    const requests = plan(1000, () => 0.1);
    const clock = createFakeClock();
    const { result, sends, latency } = await runOnFakeTime(clock, requests, () => 1, { sendCostMs: 0.15 });
    const lags = sends.map((s, i) => s.sentMs - (requests[i] as PlannedRequest).atMs);
    expect(Math.max(...lags)).toBeGreaterThan(40); // ~0.05 ms x 1000
    close(pct(result.lag, 100), Math.max(...lags));
    // Latency is from the intended time: at least service (1 ms) plus the lag (more: a busy loop reads responses late).
    expect(pct(latency, 100)).toBeGreaterThanOrEqual((1 + Math.max(...lags)) * 0.999);
  });

  it('times a request out at its deadline, measured from the intended time', async () => {
    const requests = plan(50, () => 20);
    const clock = createFakeClock();
    const { result, latency } = await runOnFakeTime(clock, requests, (path) => (path === '/r/10' ? 5000 : 2), { timeoutMs: 300 });
    expect(result.totals.errors.timeout).toBe(1);
    expect(result.totals.ok).toBe(49);
    // The sweep runs every 100 ms of fake time but records the timeout at its deadline.
    closeLatency(pct(latency, 100), 300);
  });

  /** Fake instants at which second 0 was closed (its window records handed to the sink). */
  const closeOfSecond0 = async (requests: PlannedRequest[]): Promise<number> => {
    const clock = createFakeClock();
    const { dispatcher } = fakeDispatcher(clock, () => 0.1);
    let closedAtMs = NaN;
    const sink: ShareSink = {
      windows: (seconds) => {
        if (seconds.some((w) => w[0]?.t_s === 0)) closedAtMs = clock.nowMs();
      },
      live: () => undefined, dead: () => undefined,
    };
    await new ShareRunner(requests, {
      target: new URL('http://127.0.0.1:9/'), connections: 1, maxInflight: null, timeoutMs: 10_000, trackedTenants: null, logRequests: false, clock, dispatcher,
    }, sink).run();
    return closedAtMs;
  };

  it('does its bookkeeping in a gap between sends of at least IDLE_GAP_MS, else once it has waited MAX_DEFER_MS', async () => {
    // Sends 5 ms apart until 950 ms (the bookkeeping runs on each tick of its timer, every MAINTAIN_EVERY_MS),
    // then 1 ms apart: second 0 can close from the tick at 1,000 ms on, but no gap is long enough there.
    const gapMs = (longGapAt: number | null) => (i: number): number => (i < 190 ? 5 : i === longGapAt ? 10 : 1);
    expect(MAINTAIN_EVERY_MS).toBe(100);
    // A 10 ms gap after the send at 1,050 ms (index 290): the close waits for it.
    const gapClose = await closeOfSecond0(plan(700, gapMs(290)));
    expect(gapClose).toBeGreaterThanOrEqual(1050);
    expect(gapClose).toBeLessThanOrEqual(1060 - IDLE_GAP_MS);
    // No gap that long: it runs on the timer's next tick, once it has waited MAX_DEFER_MS.
    const noGapClose = await closeOfSecond0(plan(700, gapMs(null)));
    expect(MAX_DEFER_MS).toBeLessThanOrEqual(MAINTAIN_EVERY_MS);
    expect(noGapClose).toBeGreaterThanOrEqual(1100);
    expect(noGapClose).toBeLessThan(1102);
  });
});

describe('Recorder.close', () => {
  it('keeps a second open while the frontier or the clock is still in it, then closes it', () => {
    const rec = new Recorder({ trackedTenants: null });
    rec.send(100, 100, rec.endpointId('a'), 4);
    rec.complete(100, 100, 105, 0, 4, -1, null);
    expect(rec.close({ nowMs: 1500, frontierMs: 900 })).toEqual([]);
    expect(rec.close({ nowMs: 900, frontierMs: 1500 })).toEqual([]);
    const closed = rec.close({ nowMs: 2500, frontierMs: 2500, limit: 1 });
    expect(closed.map((s) => s.map((w) => w.sent))).toEqual([[1]]);
    expect(rec.close({ nowMs: 5000, frontierMs: Infinity, force: true, untilS: 3 }).length).toBe(2);
  });
});

describe('Recorder.detach and encodeStep: a closed second encoded one histogram at a time', () => {
  /** A recorder with requests on `endpoints` endpoints in seconds 0 and 2 (second 1 empty). */
  const filled = (endpoints: number, pool?: Histogram[]): Recorder => {
    const rec = new Recorder({ trackedTenants: null, ...(pool ? { pool } : {}) });
    for (const atMs of [100, 2100]) {
      for (let e = 0; e < endpoints; e++) {
        const ep = rec.endpointId(`e${e}`);
        rec.send(atMs, atMs + 0.2, ep, 4);
        rec.complete(atMs, atMs + 0.2, atMs + 3 + e, ep, 4, -1, null);
      }
    }
    return rec;
  };

  it('gives the same records as close, once the last of a second\'s histograms is encoded', () => {
    const whole = filled(5).close({ nowMs: 3000, frontierMs: Infinity });
    const rec = filled(5);
    rec.detach({ nowMs: 3000, frontierMs: Infinity });
    expect(rec.encoding).toBe(true);
    const steps: WindowRecord[][][] = [];
    while (rec.encoding) steps.push(rec.encodeStep());
    // 5 endpoints x (latency, service, lag) per second with requests: 15 steps each.
    expect(steps.length).toBe(30);
    // Second 0 is handed over at its 15th step; the empty second 1 with it; second 2 at the 30th.
    expect(steps.map((s, i) => [i, s.map((w) => w[0]?.t_s ?? 'empty')]).filter(([, s]) => (s as unknown[]).length > 0)).toEqual([[14, [0, 'empty']], [29, [2]]]);
    expect(steps.flat()).toEqual(whole);
    // Each endpoint's latency (3 + e ms), to the histogram's 3 significant digits.
    whole[0]!.forEach((w, e) => expect(percentileMs(decodeHistogram(w.latency), 100)).toBeCloseTo(3 + e, 1));
    expect(rec.lag.totalCount).toBe(10);
  });

  it('close hands over what detach left unencoded first, in order', () => {
    const rec = filled(2);
    rec.detach({ nowMs: 1500, frontierMs: 1500 });
    rec.encodeStep();
    const rest = rec.close({ nowMs: 3000, frontierMs: Infinity });
    expect(rest.map((s) => s[0]?.t_s ?? 'empty')).toEqual([0, 'empty', 2]);
    expect(rec.encoding).toBe(false);
  });

  /** A recorder on `pool` with `endpoints` endpoints takes every histogram it needs from the pool, and gives them all back emptied. */
  const expectReusesPool = (pool: Histogram[], endpoints: number): void => {
    const before = new Set(pool);
    // Seconds 0 and 2, 3 histograms per endpoint each.
    expect(pool.length).toBe(2 * 3 * endpoints);
    const rec = filled(endpoints, pool);
    expect(pool.length).toBe(0);
    rec.close({ nowMs: 3000, frontierMs: Infinity });
    expect(pool.every((h) => before.has(h) && h.totalCount === 0)).toBe(true);
  };

  it('recorders sharing a pool reuse each other\'s histograms', () => {
    const pool: Histogram[] = [];
    filled(4, pool).close({ nowMs: 3000, frontierMs: Infinity });
    expectReusesPool(pool, 4);
  });

  it('prefill allocates before time zero what a second\'s cells then take', () => {
    const pool: Histogram[] = [];
    new Recorder({ trackedTenants: null, pool }).prefill(12);
    expectReusesPool(pool, 2);
  });
});
