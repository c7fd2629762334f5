/**
 * `runReplay`: the whole of `prodshape replay --scenario S --profile P`:
 * load and validate the inputs, check the target, plan the traffic
 * (src/traffic), run it (`runPlan`), and analyse the run directory
 * (`finishRun`: report.json, SLOs, renderings).
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { randomInt } from 'node:crypto';
import { createObservers } from '../observe/index.js';
import { finishRun } from '../report/index.js';
import { resolveNamed } from '../core/paths.js';
import { createRng } from '../core/rng.js';
import type { ExitCode } from '../core/errors.js';
import { loadProfile, profileDurationMs, transformProfile, type Profile } from '../scenario/profile.js';
import { loadScenario } from '../scenario/scenario.js';
import { loadTenantTable, trackedTenantIndexes } from '../traffic/tenants.js';
import { compileScenarioRequests } from '../traffic/template.js';
import { scenarioPlan, type ScenarioPlanArgs } from '../traffic/scenario-plan.js';
import { checkEvents } from './events.js';
import type { PlanSource } from './plan-source.js';
import { runPlan, type LiveStatus, type RunResult } from './run.js';
import { checkTargetAllowed, checkTargetReachable, resolveTarget } from './target.js';
import type { TrackedTenant } from './recorder.js';

/** Options of `runReplay` (the `replay` command's flags). Defaults in brackets. */
export interface ReplayOptions {
  /** Scenario: a path or a bare name (./scenarios, then the package's). */
  scenario: string;
  /** Profile: a path or a bare name (./profiles, then the package's). */
  profile: string;
  /** Target base URL; without it the demo service seam (`resolveTarget`) decides. */
  target?: string;
  /** Run directory [runs/<profile>-<YYYYMMDD-HHMMSS>]. */
  outDir?: string;
  /** A generated dataset (DIR/manifest.json) for tenants. */
  dataDir?: string | null;
  /** Time compression [1]; rate multiplier [1]; truncation after transforms, ms [none]. */
  speed?: number;
  rateScale?: number;
  durationMs?: number | null;
  workers?: number;
  connections?: number;
  maxInflight?: number | null;
  /** Default request timeout, ms [the scenario's `timeout`, 30 s]. */
  timeoutMs?: number | null;
  graceMs?: number;
  /** Seed of every random choice [random, recorded in run.json]. */
  seed?: number | string | null;
  /** Extra SLO specs (`--slo`), added to the scenario's. */
  slo?: string[];
  junitFile?: string | null;
  logRequestsFile?: string | null;
  allowRemote?: boolean;
  signal?: AbortSignal;
  forceSignal?: AbortSignal;
  onLive?: (s: LiveStatus) => void;
  /** Progress and warning lines [none]. */
  log?: (line: string) => void;
  /** Where the report summary goes [log]. */
  print?: (text: string) => void;
  /** Directory bare names and relative paths resolve against [process.cwd()]. */
  cwd?: string;
  /** `--pg URL`: PostgreSQL to observe, overriding the scenario's `observe.postgres.url` (observe stage). */
  pgUrl?: string | null;
  /** `--instances N`: copies of the service behind one database, for the capacity math [1]. */
  instances?: number;
}

/** What a replay produced. */
export interface ReplayResult extends RunResult {
  reportFile: string;
  /** 0, or 2 when an SLO failed (from the report stage). */
  exitCode: ExitCode;
  profile: Profile;
}

const stamp = (d: Date): string => d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

const sourceExt = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** Loads, checks, runs and reports one replay. Input problems throw InputError (exit 1); an unreachable target RunError (exit 3). */
export const runReplay = async (opts: ReplayOptions): Promise<ReplayResult> => {
  const cwd = opts.cwd ?? process.cwd();
  const scenarioFile = resolveNamed('scenarios', opts.scenario, '--scenario', cwd);
  const profileFile = resolveNamed('profiles', opts.profile, '--profile', cwd);
  const scenario = await loadScenario(scenarioFile);
  const loadedProfile = await loadProfile(profileFile);
  const profile = transformProfile(loadedProfile, { speed: opts.speed ?? 1, rateScale: opts.rateScale ?? 1, durationLimitMs: opts.durationMs ?? null });
  checkEvents(profile.events, scenario, profile.file);
  const dataDir = opts.dataDir ? resolve(cwd, opts.dataDir) : null;
  const tenants = await loadTenantTable({ dataDir, scenario });
  const templates = compileScenarioRequests(scenario, tenants?.table ?? null);

  const target = await resolveTarget(opts.target);
  try {
    await checkTargetAllowed(target.url, opts.allowRemote ?? false);
    await checkTargetReachable(target.url);
    const seed = opts.seed ?? randomInt(1, 2 ** 31);
    let tracked: TrackedTenant[] | null = null;
    if (tenants !== null) {
      const t = tenants.table;
      tracked = trackedTenantIndexes(t, createRng(seed, 'tracked-tenants')).map((i) => ({
        id: t.tenants[i]?.id ?? '', rows: t.tenants[i]?.rows ?? null, tenantClass: t.classes[i] ?? 'rest',
      }));
    }
    const workers = Math.max(1, Math.floor(opts.workers ?? 1));
    const args: ScenarioPlanArgs = {
      scenarioFile, scenarioText: scenario.sourceText, profile: { arrival: profile.arrival, stages: profile.stages }, dataDir, seed,
    };
    const plan: PlanSource = workers === 1
      ? { stream: scenarioPlan({ templates, tenants: tenants?.table ?? null, profile, seed }) }
      : { recipe: { module: new URL(`../traffic/scenario-plan${sourceExt}`, import.meta.url).href, export: 'scenarioPlanFactory', args } };
    const outDir = resolve(cwd, opts.outDir ?? join('runs', `${profile.name}-${stamp(new Date())}`));
    const slo = [...scenario.slo, ...(opts.slo ?? [])];
    const run = await runPlan({
      target: target.url,
      outDir,
      plan,
      plannedDurationMs: profileDurationMs(profile),
      workers,
      ...(opts.connections !== undefined ? { connections: opts.connections } : {}),
      ...(opts.maxInflight !== undefined ? { maxInflight: opts.maxInflight } : {}),
      timeoutMs: opts.timeoutMs ?? scenario.timeoutMs,
      ...(opts.graceMs !== undefined ? { graceMs: opts.graceMs } : {}),
      trackedTenants: tracked,
      logRequestsFile: opts.logRequestsFile ?? null,
      events: profile.events,
      actions: scenario.actions,
      observers: createObservers(scenario, { pgUrl: opts.pgUrl ?? null, instances: opts.instances ?? 1 }),
      meta: {
        scenario: scenario.name, profile: profile.name, seed, speed: profile.applied.speed, rateScale: profile.applied.rateScale,
        arrival: profile.arrival, endpoints: scenario.endpoints.map((e) => e.name), slo,
        extra: {
          scenario_file: scenarioFile, profile_file: profileFile, data_dir: dataDir,
          tenants_source: tenants?.table.source ?? null, tenants: tenants?.table.tenants.length ?? 0,
          duration_limit_ms: profile.applied.durationLimitMs,
        },
      },
      files: { scenarioText: scenario.sourceText, profileText: await readFile(profileFile, 'utf8') },
      scenario,
      manifest: tenants?.manifest ?? null,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.forceSignal ? { forceSignal: opts.forceSignal } : {}),
      ...(opts.onLive ? { onLive: opts.onLive } : {}),
      ...(opts.log ? { log: opts.log } : {}),
    });
    const print = opts.print ?? opts.log ?? (() => undefined);
    const finished = await finishRun(run.dir, { slo: opts.slo ?? [], junitFile: opts.junitFile ?? null, print });
    return { ...run, reportFile: finished.reportFile, exitCode: finished.exitCode, profile };
  } finally {
    await target.release();
  }
};
