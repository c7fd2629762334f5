/**
 * Replays as library calls:
 *
 * - `replayPlan`: any plan (a stream or a recipe, e.g. an access log) →
 *   target resolved and checked → `runPlan` → `finishObservedRun` (report.json, SLOs,
 *   renderings). What every `replay` variant shares.
 * - `runReplay`: the whole of `prodshape replay --scenario S --profile P`:
 *   load and validate the inputs, plan the traffic (src/traffic), then
 *   `replayPlan`.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { randomInt } from 'node:crypto';
import { checkOutputDir, checkOutputFile, prepareOutputDir, prepareOutputFile } from '../core/out-paths.js';
import { RUN_FILES } from '../run/format.js';
import { removePreviousRunFiles } from '../run/previous.js';
import { resolveNamed } from '../core/paths.js';
import { createRng } from '../core/rng.js';
import type { ExitCode } from '../core/errors.js';
import { eventsForActions, loadProfile, profileDurationMs, transformProfile, type Profile } from '../scenario/profile.js';
import { loadScenario } from '../scenario/scenario.js';
import { loadTenantTable, trackedTenantIndexes, type TenantTable } from '../traffic/tenants.js';
import { compileScenarioRequests } from '../traffic/template.js';
import { scenarioPlan, type ScenarioPlanArgs } from '../traffic/scenario-plan.js';
import { profilePlace } from '../traffic/clock.js';
import { checkEvents } from '../engine/events.js';
import { checkBeforeLoad } from '../engine/preflight.js';
import type { PlanSource } from '../engine/plan-source.js';
import type { LiveStatus, RunPlanOptions, RunResult } from '../engine/run.js';
import { checkTargetReachable, resolveTarget } from '../engine/target.js';
import { checkReach, type PinnedHost, type Resolver } from '../engine/reach.js';
import { outboundUrls } from '../engine/outbound.js';
import { registerSecret } from '../core/secrets.js';
import type { Dispatcher } from 'undici';
import type { TrackedTenant } from '../engine/recorder.js';
import { formatDurationMs } from '../core/duration.js';
import { RUN_DEFAULTS } from '../engine/defaults.js';

/** Options every replay shares (the `replay` command's common flags). Defaults in brackets. */
export interface ReplayCommonOptions {
  /** Target base URL; without it the demo service seam (`resolveTarget`) decides. */
  target?: string;
  /** Run directory [runs/<name>-<YYYYMMDD-HHMMSS>]. */
  outDir?: string;
  workers?: number;
  connections?: number;
  maxInflight?: number | null;
  /** Default request timeout, ms [30 s, or the scenario's `timeout`]. */
  timeoutMs?: number | null;
  graceMs?: number;
  /** `--busy-poll`: the sending threads never sleep between sends [false]. */
  busyPoll?: boolean;
  /** `--warmup`: the plan's first this-many ms sent once before time zero, unmeasured, ms [0: none]. */
  warmupMs?: number;
  /** Extra SLO specs (`--slo`), recorded in run.json and passed to the report. */
  slo?: string[];
  junitFile?: string | null;
  logRequestsFile?: string | null;
  allowRemote?: boolean;
  /** Resolves host names once, before any load, for the safety rule and the pinned connections [the system's DNS]. */
  resolve?: Resolver;
  signal?: AbortSignal;
  forceSignal?: AbortSignal;
  onLive?: (s: LiveStatus) => void;
  /** Progress and warning lines [none]. */
  log?: (line: string) => void;
  /** Where the report summary goes [log]. */
  print?: (text: string) => void;
  /** The summary's colours and width [none, 80 columns]. */
  render?: { color: boolean; width: number };
  /** Directory relative paths resolve against [process.cwd()]. */
  cwd?: string;
  /** `--pg URL`: PostgreSQL to observe, overriding the scenario's `observe.postgres.url` (observe stage). */
  pgUrl?: string | null;
  /** `--instances N`: copies of the service behind one database, for the capacity math [1]. */
  instances?: number;
  /** Why there is no PostgreSQL to observe (the demo on PGlite), said instead of the scenario's unset `${DATABASE_URL}`. */
  postgresOff?: string | null;
  /** `--out-prometheus URL`: remote-write the run's per-second numbers there after the run [none]. */
  outPrometheus?: string | null;
  /** `--force`: write into a non-empty `--out` directory (a previous run's files in it are replaced) and over an existing `--log-requests` file [false]. */
  force?: boolean;
}

/** Options of `replayPlan`: the common ones, and the plan with what run.json records about it. */
export interface ReplayPlanOptions extends ReplayCommonOptions {
  plan: PlanSource;
  plannedDurationMs: number;
  /** Names the default run directory (`runs/<name>-<timestamp>`). */
  name: string;
  meta: RunPlanOptions['meta'];
  trackedTenants?: TrackedTenant[] | null;
  events?: RunPlanOptions['events'];
  actions?: RunPlanOptions['actions'];
  observers?: RunPlanOptions['observers'];
  files?: RunPlanOptions['files'];
  scenario?: RunPlanOptions['scenario'];
  manifest?: RunPlanOptions['manifest'];
  /** Called after the run, before the analysis (e.g. to record what only the plan stream knew at its end). */
  afterRun?: (run: RunResult) => Promise<void>;
}

/** What a replay produced. */
export interface ReplayResult extends RunResult {
  reportFile: string;
  /** 0; 2 when an SLO failed; 4 when the run was interrupted (from the report stage, `exitCodeOf`). */
  exitCode: ExitCode;
}

/** Options of `runReplay` (`replay --scenario S --profile P`). */
export interface ReplayOptions extends ReplayCommonOptions {
  /** Scenario: a path or a bare name (./scenarios, then the package's). */
  scenario: string;
  /** Profile: a path or a bare name (./profiles, then the package's). */
  profile: string;
  /** A generated dataset (DIR/manifest.json) for tenants. */
  dataDir?: string | null;
  /** Time compression [1]; rate multiplier [1]; truncation after transforms, ms [none]. */
  speed?: number;
  rateScale?: number;
  durationMs?: number | null;
  /** Seed of every random choice [random, recorded in run.json]. */
  seed?: number | string | null;
}

const stamp = (d: Date): string => d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

const sourceExt = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** The tenants whose whole-run histograms are kept (traffic/tenants.ts `trackedTenantIndexes`), as the recorder wants them. */
export const trackedTenantsFor = (table: TenantTable, seed: number | string): TrackedTenant[] =>
  trackedTenantIndexes(table, createRng(seed, 'tracked-tenants')).map((i) => ({
    id: table.tenants[i]?.id ?? '', rows: table.tenants[i]?.rows ?? null, tenantClass: table.classes[i] ?? 'rest',
  }));

/**
 * Checks and creates a replay's outputs (InputError naming the flag): the run
 * directory (empty, or any with `force`; a previous run's files in it are
 * removed), the request log (new, or any file with `force`) and the JUnit file
 * (rewritten on every run, never a directory).
 */
export const prepareReplayOutputs = (outDir: string, logRequestsFile: string | null, junitFile: string | null, force: boolean): void => {
  checkOutputDir(outDir, '--out', force);
  if (logRequestsFile !== null) checkOutputFile(logRequestsFile, '--log-requests', force);
  if (junitFile !== null) checkOutputFile(junitFile, '--junit', true);
  if (logRequestsFile !== null) prepareOutputFile(logRequestsFile, '--log-requests');
  if (junitFile !== null) prepareOutputFile(junitFile, '--junit');
  prepareOutputDir(outDir, '--out');
  if (force && existsSync(join(outDir, RUN_FILES.meta))) removePreviousRunFiles(outDir);
};

/**
 * Runs any plan as a replay: checks SLOs, observer URLs and actions before
 * anything else (`checkBeforeLoad`: InputError, exit 1), resolves and checks
 * the target, the scrape URL and the fired `http` actions (loopback or
 * private unless `allowRemote`: InputError, exit 1; target unreachable:
 * RunError, exit 3), runs it with every connection pinned to the checked
 * addresses, and analyses the run directory. Access-log replays call this.
 */
export const replayPlan = async (opts: ReplayPlanOptions): Promise<ReplayResult> => {
  const cwd = opts.cwd ?? process.cwd();
  const outPrometheus = opts.outPrometheus ?? null;
  checkBeforeLoad({ scenario: opts.scenario ?? null, slo: opts.slo ?? [], endpoints: opts.meta.endpoints, pgUrl: opts.pgUrl ?? null, outPrometheus });
  const target = await resolveTarget(opts.target);
  let reach: { pins: PinnedHost[]; dispatcher: Dispatcher } | undefined;
  try {
    const writeUrl = outPrometheus === null ? null : new URL(outPrometheus);
    if (writeUrl !== null && writeUrl.password !== '') registerSecret(decodeURIComponent(writeUrl.password));
    const urls = [
      ...outboundUrls(target.url, opts.scenario ?? null, opts.actions ?? {}, opts.events ?? [], opts.pgUrl ?? null),
      ...(writeUrl === null ? [] : [{ url: writeUrl, field: '--out-prometheus', file: null, line: null }]),
    ];
    const pins = await checkReach(urls, { allowRemote: opts.allowRemote ?? false, ...(opts.resolve ? { resolve: opts.resolve } : {}) });
    const { createReachAgent } = await import('../engine/pinned.js');
    reach = { pins, dispatcher: createReachAgent(pins) };
    const outDir = resolve(cwd, opts.outDir ?? join('runs', `${opts.name}-${stamp(new Date())}`));
    // Every output is checked and created before the first connection to the target.
    prepareReplayOutputs(outDir, opts.logRequestsFile ? resolve(cwd, opts.logRequestsFile) : null, opts.junitFile ? resolve(cwd, opts.junitFile) : null, opts.force ?? false);
    await checkTargetReachable(target.url, undefined, pins);
    // The engine, the observers and the report load only now: bad input is refused without them (a quick exit 1).
    const { runPlan } = await import('../engine/run.js');
    const run = await runPlan({
      force: opts.force ?? false,
      target: target.url,
      outDir,
      plan: opts.plan,
      plannedDurationMs: opts.plannedDurationMs,
      ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
      ...(opts.connections !== undefined ? { connections: opts.connections } : {}),
      ...(opts.maxInflight !== undefined ? { maxInflight: opts.maxInflight } : {}),
      ...(opts.timeoutMs != null ? { timeoutMs: opts.timeoutMs } : {}),
      ...(opts.graceMs !== undefined ? { graceMs: opts.graceMs } : {}),
      ...(opts.busyPoll === true ? { busyPoll: true } : {}),
      ...(opts.warmupMs !== undefined && opts.warmupMs > 0 ? { warmupMs: opts.warmupMs } : {}),
      trackedTenants: opts.trackedTenants ?? null,
      logRequestsFile: opts.logRequestsFile ? resolve(cwd, opts.logRequestsFile) : null,
      events: opts.events ?? [],
      actions: opts.actions ?? {},
      observers: opts.observers ?? [],
      meta: { ...opts.meta, slo: [...opts.meta.slo, ...(opts.slo ?? []).filter((s) => !opts.meta.slo.includes(s))] },
      ...(opts.files ? { files: opts.files } : {}),
      scenario: opts.scenario ?? null,
      manifest: opts.manifest ?? null,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.forceSignal ? { forceSignal: opts.forceSignal } : {}),
      ...(opts.onLive ? { onLive: opts.onLive } : {}),
      ...(opts.log ? { log: opts.log } : {}),
      reach,
    });
    if (opts.afterRun) await opts.afterRun(run);
    const print = opts.print ?? opts.log ?? (() => undefined);
    // run.json holds every SLO in force (the scenario's and --slo's): the report judges those.
    const { finishObservedRun } = await import('./report.js');
    const finished = await finishObservedRun(run.dir, { junitFile: opts.junitFile ? resolve(cwd, opts.junitFile) : null, print, ...opts.render });
    if (writeUrl !== null) {
      const { writeRunSeries } = await import('./out-prometheus.js');
      await writeRunSeries(run.dir, finished.report, run.meta.started_at_ms, writeUrl, reach.dispatcher, opts.log ?? print);
    }
    return { ...run, reportFile: finished.reportFile, exitCode: finished.exitCode };
  } finally {
    await reach?.dispatcher.close();
    await target.release();
  }
};

/** Loads, checks, runs and reports one scenario + profile replay. */
export const runReplay = async (opts: ReplayOptions): Promise<ReplayResult & { profile: Profile }> => {
  const cwd = opts.cwd ?? process.cwd();
  const scenarioFile = resolveNamed('scenarios', opts.scenario, '--scenario', cwd);
  const profileFile = resolveNamed('profiles', opts.profile, '--profile', cwd);
  const scenario = await loadScenario(scenarioFile);
  const loadedProfile = await loadProfile(profileFile);
  const profile = transformProfile(loadedProfile, { speed: opts.speed ?? RUN_DEFAULTS.speed, rateScale: opts.rateScale ?? RUN_DEFAULTS.rateScale, durationLimitMs: opts.durationMs ?? null });
  const events = eventsForActions(profile.events, Object.keys(scenario.actions));
  checkEvents(events.fire, scenario, profile.file);
  for (const e of events.skipped) opts.log?.(`event ${e.action} at ${formatDurationMs(e.atMs)} skipped: optional, and the scenario defines no ${e.action} action`);
  const dataDir = opts.dataDir ? resolve(cwd, opts.dataDir) : null;
  const tenants = await loadTenantTable({ dataDir, scenario });
  const templates = compileScenarioRequests(scenario, tenants?.table ?? null);

  const seed = opts.seed ?? randomInt(1, 2 ** 31);
  const tracked = tenants === null ? null : trackedTenantsFor(tenants.table, seed);
  const workers = Math.max(1, Math.floor(opts.workers ?? RUN_DEFAULTS.workers));
  const args: ScenarioPlanArgs = {
    scenarioFile, scenarioText: scenario.sourceText, profile: { arrival: profile.arrival, stages: profile.stages }, dataDir, seed,
  };
  const plan: PlanSource = workers === 1
    ? { stream: scenarioPlan({ templates, tenants: tenants?.table ?? null, profile, seed }) }
    : { recipe: { module: new URL(`../traffic/scenario-plan${sourceExt}`, import.meta.url).href, export: 'scenarioPlanFactory', args } };
  const { createObservers } = await import('../observe/index.js');
  const { onLive } = opts;
  const result = await replayPlan({
    ...opts,
    // The live line says where the profile is: its stage and its clock.
    ...(onLive ? { onLive: (s: LiveStatus) => onLive({ ...s, ...profilePlace(profile, s.elapsedMs) }) } : {}),
    workers,
    timeoutMs: opts.timeoutMs ?? scenario.timeoutMs,
    plan,
    plannedDurationMs: profileDurationMs(profile),
    name: profile.name,
    trackedTenants: tracked,
    events: events.fire,
    actions: scenario.actions,
    observers: createObservers(scenario, { pgUrl: opts.pgUrl ?? null, instances: opts.instances ?? RUN_DEFAULTS.instances, postgresOff: opts.postgresOff ?? null }),
    meta: {
      scenario: scenario.name, profile: profile.name, seed, speed: profile.applied.speed, rateScale: profile.applied.rateScale,
      arrival: profile.arrival, endpoints: scenario.endpoints.map((e) => e.name), slo: scenario.slo,
      extra: {
        scenario_file: scenarioFile, profile_file: profileFile, data_dir: dataDir,
        tenants_source: tenants?.table.source ?? null, tenants: tenants?.table.tenants.length ?? 0,
        duration_limit_ms: profile.applied.durationLimitMs,
      },
    },
    files: { scenarioText: scenario.sourceText, profileText: await readFile(profileFile, 'utf8') },
    scenario,
    manifest: tenants?.manifest ?? null,
  });
  return { ...result, profile };
};
