/**
 * `prodshape replay --profile P` with no `--target`: the one-command first
 * run against the demo. Starts the demo as a child process (on its embedded
 * PostgreSQL server unless DATABASE_URL is set; the dataset generated and
 * loaded once, then cached),
 * brings it to the state of a service that has been up for a while (every
 * tenant's dashboard cached), measures what it can serve on this machine, and
 * says how to play the profile:
 *
 * - speed: the profile compressed to about two minutes (never slowed down);
 * - rate scale: the demo's capacity depends on the machine (and, for PGlite,
 *   on one core's speed), so the profile's rates are scaled to put its peak
 *   at a share of the measured capacity chosen for what the profile shows
 *   (the profile's `demo.peak_share`): the same picture on any machine.
 *   `--rate-scale` overrides it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPlan, type LiveStatus, type RunPlanOptions } from '../engine/run.js';
import { scenarioPlan } from '../traffic/scenario-plan.js';
import { compileScenarioRequests } from '../traffic/template.js';
import { buildTenantTable, tenantsFromManifest, type TenantTable } from '../traffic/tenants.js';
import type { Stage } from '../scenario/profile.js';
import { Pool } from 'undici';
import { resolveNamed } from '../core/paths.js';
import { inputError } from '../core/errors.js';
import { loadProfile, peakRateRps, profileDurationMs } from '../scenario/profile.js';
import { createRng, type Rng } from '../core/rng.js';
import { monotonicClock, type Clock, type WaitClock } from '../core/clock.js';
import { readManifest, type Manifest } from '../data/manifest.js';
import { loadScenario, type Scenario } from '../scenario/scenario.js';
import { DEMO_SCENARIO_FILE } from './defaults.js';
import { leftBaseline, PROBE_ACHIEVED_RATIO } from '../analyze/thresholds.js';

export { DEMO_CONNECTIONS, DEMO_PGLITE_OFF, DEMO_SCENARIO_FILE, isDemoScenario } from './defaults.js';
import { startDemoChild, type DemoChild, type DemoChildOptions } from './child.js';
import { fmtS } from '../core/duration.js';

/**
 * Where the first run puts a profile's peak rate, as a share of the demo's
 * measured capacity, when the profile does not say (its `demo.peak_share`).
 */
export const DEFAULT_PEAK_SHARE = 0.6;

/**
 * The first run's wait for a pool connection before the demo answers 503, ms:
 * past its capacity the demo sheds what it cannot serve within 2 s, as a
 * service behind a load balancer's deadline does, instead of queueing every
 * request until the client gives up (a queue as long as the timeout wastes
 * all the work done: nothing recovers until it drains).
 */
export const FIRST_RUN_ACQUIRE_TIMEOUT_MS = 2000;

/** How long the first run plays a profile for (after compression), ms. */
export const FIRST_RUN_TARGET_MS = 120_000;

/** The speed that plays a profile of `plannedMs` in about `targetMs`: never below 1, two decimals. */
export const speedFor = (plannedMs: number, targetMs = FIRST_RUN_TARGET_MS): number =>
  Math.max(1, Math.round((plannedMs / targetMs) * 100) / 100);

/**
 * The rate scale that puts a profile's peak (requests/s) at `share` times a
 * measured capacity (requests/s): two decimals, within [0.01, 10].
 */
export const rateScaleFor = (share: number, peakRps: number, capacityRps: number): number => {
  const scale = peakRps > 0 ? (share * capacityRps) / peakRps : 1;
  return Math.min(10, Math.max(0.01, Math.round(scale * 100) / 100));
};

/** A request of the scenario's mix: endpoint name and path with `{tenant}` filled. */
export type MixRequest = { endpoint: string; path: string };

/** Draws requests like the scenario's endpoints (weights; tenants by rows, or uniformly where the endpoint says so). */
export const mixSampler = (scenario: Scenario, manifest: Manifest, rng: Rng): (() => MixRequest) => {
  const tenants = manifest.tenants;
  const cum: number[] = [];
  let total = 0;
  for (const t of tenants) cum.push((total += t.rows));
  const weighted = (): string => {
    const x = rng() * total;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cum[mid] ?? 0) > x) hi = mid;
      else lo = mid + 1;
    }
    return tenants[lo]?.id ?? '';
  };
  const uniform = (): string => tenants[Math.floor(rng() * tenants.length)]?.id ?? '';
  const endpoints = scenario.endpoints.filter((e) => e.method === 'GET');
  const weightSum = endpoints.reduce((s, e) => s + e.weight, 0);
  return () => {
    let x = rng() * weightSum;
    const e = endpoints.find((ep) => (x -= ep.weight) < 0) ?? endpoints[endpoints.length - 1];
    if (e === undefined) throw new Error('the demo scenario has no GET endpoints');
    const id = e.tenant === 'uniform' ? uniform() : weighted();
    return { endpoint: e.name, path: e.path.replaceAll('{tenant}', encodeURIComponent(id)) };
  };
};

/**
 * Runs `concurrency` closed loops of `next()` requests until `durationMs`
 * passed; returns completed requests and errors. Through an undici Pool (as
 * the engine sends): `fetch` costs enough CPU per request to measure itself.
 */
const closedLoop = async (url: string, concurrency: number, next: () => string | null, durationMs: number, clock: Clock): Promise<{ done: number; errors: number; ms: number }> => {
  const pool = new Pool(url, { connections: concurrency });
  const t0 = clock.nowMs();
  let done = 0;
  let errors = 0;
  const loop = async (): Promise<void> => {
    for (let path = next(); path !== null && clock.nowMs() - t0 < durationMs; path = next()) {
      const r = await pool.request({ method: 'GET', path });
      await r.body.dump();
      if (r.statusCode < 400) done++;
      else errors++;
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, loop));
  } finally {
    await pool.close();
  }
  return { done, errors, ms: clock.nowMs() - t0 };
};

/**
 * The demo's capacity for the scenario's mix: the throughput of `concurrency`
 * closed loops (more than the pool's size, so it stays full), the median of `rounds` rounds of
 * `roundMs` after a short warm-up (a machine shared with other work gives
 * noisy rounds; the median ignores one bad one).
 */
export const measureCapacityRps = async (url: string, next: () => MixRequest, opts: { concurrency: number; rounds?: number; roundMs?: number; clock?: Clock }): Promise<number> => {
  const path = (): string => next().path;
  const clock = opts.clock ?? monotonicClock;
  await closedLoop(url, opts.concurrency, path, 300, clock);
  const rates: number[] = [];
  for (let i = 0; i < (opts.rounds ?? 3); i++) {
    const r = await closedLoop(url, opts.concurrency, path, opts.roundMs ?? 1000, clock);
    rates.push((r.done / r.ms) * 1000);
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)] ?? 0;
};

/** One second of the probe: offered and achieved rate, p50. */
export type ProbeSecond = Pick<LiveStatus, 'offeredRps' | 'achievedRps' | 'p50Ms'>;

/**
 * The knee of a probe ramp: the offered rate of the last second before the
 * median latency left its baseline for good (analyze/thresholds.ts
 * `leftBaseline`: above max(5x the first seconds' median, that median + 50 ms))
 * or throughput fell behind (achieved < `PROBE_ACHIEVED_RATIO`, 90%, of
 * offered), for three seconds running (a machine shared with other work
 * gives single bad seconds). Null when the ramp never broke.
 */
export const probeKneeRps = (seconds: readonly ProbeSecond[]): number | null => {
  const first = seconds.slice(0, 3).map((s) => s.p50Ms ?? 0).sort((a, b) => a - b);
  const base = first[1] ?? first[0] ?? 0;
  const broken = (s: ProbeSecond): boolean =>
    (s.p50Ms !== null && leftBaseline(s.p50Ms, base)) || s.achievedRps < PROBE_ACHIEVED_RATIO * s.offeredRps;
  for (let i = 3; i + 2 < seconds.length; i++) {
    if (broken(seconds[i]!) && broken(seconds[i + 1]!) && broken(seconds[i + 2]!)) return seconds[i - 1]?.offeredRps ?? null;
  }
  return null;
};

/**
 * The demo's capacity as the run will see it: the engine itself (with its
 * own CPU cost on the same machine) plays a 12-second ramp of the scenario's
 * mix from 0.2x to 1.6x `guessRps`, and the knee of that ramp is the capacity,
 * requests/s. A closed-loop measurement alone is off by up to 2x on a busy
 * 2-core machine. Library calls only (plan, engine); the engine's own
 * recording goes to a temporary directory, removed after. The ramp is real
 * load on real time (the engine's shares); `runClock` is the run's main-thread
 * clock (its one-second live readings: runPlan's `clock`), `clock` the wait
 * for the demo's backlog to drain afterwards.
 */
export const probeCapacityRps = async (opts: {
  url: string; tenants: TenantTable; scenario: Scenario; guessRps: number; clock?: WaitClock; runClock?: RunPlanOptions['clock'];
}): Promise<number> => {
  const dir = await mkdtemp(join(tmpdir(), 'prodshape-probe-'));
  try {
    const endpoints = opts.scenario.endpoints.filter((e) => e.method === 'GET');
    const templates = compileScenarioRequests({ ...opts.scenario, endpoints }, opts.tenants);
    const fromRps = Math.max(1, Math.round(0.2 * opts.guessRps));
    const toRps = Math.max(fromRps + 1, Math.round(1.6 * opts.guessRps));
    const stages: Stage[] = [{ kind: 'ramp', durationMs: PROBE_MS, fromRps, toRps }];
    const seconds: ProbeSecond[] = [];
    await runPlan({
      target: new URL(opts.url), outDir: join(dir, 'run'), plannedDurationMs: PROBE_MS, timeoutMs: 10_000, graceMs: 1000,
      plan: { stream: scenarioPlan({ templates, tenants: opts.tenants, profile: { arrival: 'poisson', stages }, seed: 1 }) },
      meta: { scenario: 'demo-probe', profile: 'demo-probe', seed: 1, speed: 1, rateScale: 1, arrival: 'poisson', endpoints: endpoints.map((e) => e.name), slo: [] },
      onLive: (s) => seconds.push({ offeredRps: s.offeredRps, achievedRps: s.achievedRps, p50Ms: s.p50Ms }),
      log: () => undefined,
      ...(opts.runClock ? { clock: opts.runClock } : {}),
    });
    await drained(opts.url, 20_000, opts.clock ?? monotonicClock);
    return probeKneeRps(seconds) ?? toRps;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

/** The probe ramp's length, ms. */
const PROBE_MS = 12_000;

/** Waits (at most `timeoutMs`) until nothing waits for the demo's pool: the probe's backlog is served. */
const drained = async (url: string, timeoutMs: number, clock: WaitClock): Promise<void> => {
  const t0 = clock.nowMs();
  while (clock.nowMs() - t0 < timeoutMs) {
    const h = (await (await fetch(`${url}/healthz`)).json()) as { pool?: { inUse?: number; waiting?: number } };
    if ((h.pool?.waiting ?? 0) === 0 && (h.pool?.inUse ?? 0) === 0) return;
    await clock.sleep(200);
  }
};

export interface DemoTargetOptions extends Omit<DemoChildOptions, 'log'> {
  /** Where the profile's peak stands, as a multiple of the measured capacity (its `demo.peak_share`, else DEFAULT_PEAK_SHARE). */
  peakShare: number;
  /** The profile's planned length (before --speed, ms) and peak rate (before --rate-scale, requests/s). */
  plannedDurationMs: number;
  peakRps: number;
  /** `--speed` when given; else speedFor(plannedDurationMs). */
  speed?: number | null;
  /** `--rate-scale` when given; else measured. */
  rateScale?: number | null;
  /** Seed of the calibration's request picks. */
  seed?: number;
  log: (line: string) => void;
}

export interface DemoTarget {
  child: DemoChild;
  url: string;
  dataDir: string;
  scenarioFile: string;
  speed: number;
  rateScale: number;
  /** Measured capacity, requests/s (null when --rate-scale was given). */
  capacityRps: number | null;
  /** Stops the demo. */
  stop(): Promise<void>;
}

/** Starts the demo, warms it, measures it, and says how to play the profile against it. */
export const prepareDemoTarget = async (opts: DemoTargetOptions): Promise<DemoTarget> => {
  const { log } = opts;
  log(`starting the demo service (${opts.databaseUrl ? 'PostgreSQL from DATABASE_URL' : 'its embedded PostgreSQL server'})…`);
  const child = await startDemoChild({ acquireTimeoutMs: FIRST_RUN_ACQUIRE_TIMEOUT_MS, ...opts, log: (line) => log(`  demo: ${line}`) });
  try {
    const manifest = await readManifest(join(child.dataDir, 'manifest.json'));
    const scenario = await loadScenario(DEMO_SCENARIO_FILE);
    const warm = child.warm === null ? 'started cold' : `the biggest ${child.warm.tenants} tenants' dashboards cached (${child.warm.source === 'snapshot' ? 'restored from the cache directory' : 'computed'} in ${fmtS(child.warm.ms / 1000)})`;
    log(`demo at ${child.url} (${child.embeddedPg ? 'embedded PostgreSQL' : child.backend}, pool ${child.poolSize}); ${warm}`);
    let capacityRps: number | null = null;
    let rateScale = opts.rateScale ?? null;
    if (rateScale === null) {
      log('measuring what it serves on this machine (a 12-second ramp)…');
      // Four loops per pool slot keep the pool full while responses travel: fewer leave the database idle between requests and under-measure it.
      const guess = await measureCapacityRps(child.url, mixSampler(scenario, manifest, createRng(opts.seed ?? 1, 'demo-calibration')), { concurrency: 4 * child.poolSize });
      capacityRps = await probeCapacityRps({ url: child.url, tenants: buildTenantTable(tenantsFromManifest(manifest), 'demo manifest'), scenario, guessRps: guess });
      rateScale = rateScaleFor(opts.peakShare, opts.peakRps, capacityRps);
      const share = Math.round(((opts.peakRps * rateScale) / capacityRps) * 100);
      log(`measured capacity ~${Math.round(capacityRps)} requests/s under open load (${Math.round(guess)} closed-loop): rates x${rateScale}, so the profile peaks at ${Math.round(opts.peakRps * rateScale)} requests/s, ~${share}% of it (--rate-scale overrides)`);
    }
    const speed = opts.speed ?? speedFor(opts.plannedDurationMs);
    return { child, url: child.url, dataDir: child.dataDir, scenarioFile: DEMO_SCENARIO_FILE, speed, rateScale, capacityRps, stop: () => child.stop() };
  } catch (e) {
    await child.stop();
    throw e;
  }
};

/**
 * For `prodshape replay --profile P` without `--target`: the profile's length
 * decides the speed (unless given), then prepareDemoTarget. DATABASE_URL, when
 * set, is the PostgreSQL the demo loads and uses; PRODSHAPE_DEMO_SCALE, when
 * set, the dataset's scale (smaller loads faster: tests, small machines).
 */
export const startDemoForReplay = async (opts: { profile: string; speed?: number | null; rateScale?: number | null; cwd?: string; log: (line: string) => void }): Promise<DemoTarget> => {
  const profile = await loadProfile(resolveNamed('profiles', opts.profile, '--profile', opts.cwd));
  const url = process.env.DATABASE_URL;
  const scaleText = process.env.PRODSHAPE_DEMO_SCALE;
  const scale = scaleText === undefined || scaleText === '' ? undefined : Number(scaleText);
  if (scale !== undefined && !(scale > 0 && scale <= 100)) throw inputError('PRODSHAPE_DEMO_SCALE', `expected a scale above 0 and at most 100, got ${JSON.stringify(scaleText)}`);
  return prepareDemoTarget({
    ...(scale === undefined ? {} : { scale }),
    peakShare: profile.demoPeakShare ?? DEFAULT_PEAK_SHARE,
    plannedDurationMs: profileDurationMs(profile),
    peakRps: peakRateRps(profile),
    speed: opts.speed ?? null,
    rateScale: opts.rateScale ?? null,
    databaseUrl: url === undefined || url === '' ? null : url,
    log: opts.log,
  });
};

