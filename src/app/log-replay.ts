/**
 * `runLogReplay`: the whole of `prodshape replay --log FILE`: scan the log,
 * check the target, stream the log's requests through the engine (`runPlan`,
 * one thread or N workers via `logPlanFactory`) and analyse the run directory
 * (`replayPlan` in app/replay.ts), exactly as a profile replay does, so reports, SLOs and breaks
 * work the same. A scenario is optional: it brings observers, actions' SLOs
 * and the request timeout; `--data DIR` brings the dataset ids are remapped onto.
 */
import { randomInt } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { resolveNamed } from '../core/paths.js';
import { replayPlan, trackedTenantsFor, type ReplayOptions, type ReplayResult } from './replay.js';
import type { PlanSource } from '../engine/plan-source.js';
import type { RunResult } from '../engine/run.js';
import { createObservers } from '../observe/index.js';
import { RUN_FILES, type RunMeta } from '../run/format.js';
import { loadScenario } from '../scenario/scenario.js';
import { WHOLE_PLAN } from '../traffic/arrivals.js';
import { loadTenantTable } from '../traffic/tenants.js';
import {
  LOG_REPLAY_DEFAULTS, logReplayDurationMs, logReplayStream, primedStream, scanLogForReplay,
  type LogPlanArgs, type LogReplayOptions, type LogReplayStats, type LogScan,
} from '../traffic/logs/replay-source.js';
import { formatDurationMs } from '../core/duration.js';
import { fmtInt } from '../core/numbers.js';
import { RUN_DEFAULTS } from '../engine/defaults.js';

/** Options of `runLogReplay`: the replay flags (as for a profile replay) plus the log's. */
export interface LogReplayRunOptions extends Omit<ReplayOptions, 'scenario' | 'profile'> {
  /** The access log to replay. */
  logFile: string;
  /** An optional scenario: observers, SLOs, request timeout. */
  scenario?: string | null;
  /** How to read, filter, name and scale the log's requests (speed, rate scale, duration and seed come from the replay options). */
  replay?: Omit<LogReplayOptions, 'speed' | 'rateScale' | 'durationLimitMs' | 'seed'>;
}

/** What a log replay produced: as for a profile replay, with the log's scan instead of the profile. */
export interface LogReplayResult extends Omit<ReplayResult, 'profile'> {
  scan: LogScan;
}

const sourceExt = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const num = fmtInt;

const span = formatDurationMs;

/** The lines printed before a log replay starts: what was read and what will be sent. */
export const describeLogScan = (scan: LogScan, opts: LogReplayOptions): string[] => {
  const filtered = Object.entries(scan.filtered).filter(([, n]) => n > 0);
  const unrepl = Object.entries(scan.log.unreplayable);
  const lines = [
    `log ${basename(scan.file)} (${scan.format}): ${num(scan.kept)} requests to replay of ${num(scan.log.lines)} lines` +
      (filtered.length > 0 ? `; filtered out: ${filtered.map(([why, n]) => `${num(n)} ${why}`).join(', ')}` : '') +
      (unrepl.length > 0 ? `; not requests: ${unrepl.map(([why, n]) => `${num(n)} ${why}`).join(', ')}` : ''),
    `log spans ${new Date(scan.firstMs).toISOString()} → ${new Date(scan.lastMs).toISOString()} (${span(scan.lastMs - scan.firstMs)}), ` +
      `played in ${span(logReplayDurationMs(scan, opts))} at --speed ${opts.speed ?? RUN_DEFAULTS.speed}` +
      ((opts.rateScale ?? RUN_DEFAULTS.rateScale) === 1 ? '' : `, x${opts.rateScale ?? RUN_DEFAULTS.rateScale} by duplicated arrivals (jitter ±${opts.jitterMs ?? LOG_REPLAY_DEFAULTS.jitterMs} ms)`),
  ];
  if (scan.log.malformed > 0) {
    lines.push(`${num(scan.log.malformed)} malformed line${scan.log.malformed === 1 ? '' : 's'} skipped (first at line ${scan.log.malformedSamples.map((s) => s.line).join(', ')}); --strict makes them fatal`);
  }
  return lines;
};

/** Loads, checks, runs and reports a log replay. Input problems throw InputError (exit 1); an unreachable target RunError (exit 3). */
export const runLogReplay = async (opts: LogReplayRunOptions): Promise<LogReplayResult> => {
  const cwd = opts.cwd ?? process.cwd();
  const say = opts.log ?? (() => undefined);
  const scenarioFile = opts.scenario ? resolveNamed('scenarios', opts.scenario, '--scenario', cwd) : null;
  const scenario = scenarioFile === null ? null : await loadScenario(scenarioFile);
  const dataDir = opts.dataDir ? resolve(cwd, opts.dataDir) : null;
  const tenants = dataDir === null ? null : await loadTenantTable({ dataDir });
  const logFile = resolve(cwd, opts.logFile);
  const seed = opts.seed ?? randomInt(1, 2 ** 31);
  const replayOpts: LogReplayOptions = {
    ...opts.replay, speed: opts.speed ?? RUN_DEFAULTS.speed, rateScale: opts.rateScale ?? RUN_DEFAULTS.rateScale, durationLimitMs: opts.durationMs ?? null, seed,
  };
  const scan = await scanLogForReplay(logFile, replayOpts);
  for (const line of describeLogScan(scan, replayOpts)) say(line);

  const table = tenants?.table ?? null;
  const workers = Math.max(1, Math.floor(opts.workers ?? RUN_DEFAULTS.workers));
  const stats: LogReplayStats = { reorder: { late: 0, maxLateMs: 0, peakHeld: 0 }, remap: { tenants: scan.tenants.length, idsInRange: 0, idsPseudonymized: 0 }, planned: 0 };
  const args: LogPlanArgs = { scan, options: replayOpts, dataDir };
  const plan: PlanSource = workers === 1
    ? { stream: await primedStream(logReplayStream(scan, replayOpts, table, WHOLE_PLAN, stats)) }
    : { recipe: { module: new URL(`../traffic/logs/replay-source${sourceExt}`, import.meta.url).href, export: 'logPlanFactory', args } };
  const extra = {
    log_file: logFile, log_format: scan.format, log_first: new Date(scan.firstMs).toISOString(), log_last: new Date(scan.lastMs).toISOString(),
    log_kept: scan.kept, log_lines: scan.log.lines, log_malformed: scan.log.malformed, log_malformed_lines: scan.log.malformedSamples.map((s) => s.line),
    log_filtered: scan.filtered, jitter_ms: replayOpts.jitterMs ?? LOG_REPLAY_DEFAULTS.jitterMs, reorder_window_ms: replayOpts.reorderWindowMs ?? LOG_REPLAY_DEFAULTS.reorderWindowMs,
    scenario_file: scenarioFile, data_dir: dataDir, duration_limit_ms: replayOpts.durationLimitMs ?? null,
  };
  /** What only the stream knew at its end (one thread): requests planned, late lines, ids remapped. */
  const recordStreamStats = async (run: RunResult): Promise<void> => {
    if (workers !== 1) return;
    const metaFile = join(run.dir, RUN_FILES.meta);
    const meta = JSON.parse(await readFile(metaFile, 'utf8')) as RunMeta;
    meta.extra = { ...meta.extra, log_planned: stats.planned, log_late_lines: stats.reorder.late, log_remap: stats.remap };
    await writeFile(metaFile, `${JSON.stringify(meta, null, 2)}\n`);
    run.meta.extra = meta.extra;
    if (stats.reorder.late > 0) {
      say(`${num(stats.reorder.late)} log lines came more than ${formatDurationMs(replayOpts.reorderWindowMs ?? LOG_REPLAY_DEFAULTS.reorderWindowMs)} out of order and were sent late (up to ${span(stats.reorder.maxLateMs)}); raise --reorder-window`);
    }
  };
  const result = await replayPlan({
    ...opts,
    workers,
    timeoutMs: opts.timeoutMs ?? scenario?.timeoutMs ?? RUN_DEFAULTS.timeoutMs,
    plan,
    plannedDurationMs: logReplayDurationMs(scan, replayOpts),
    name: basename(logFile).replace(/[^A-Za-z0-9_.-]+/g, '-'),
    trackedTenants: table === null ? null : trackedTenantsFor(table, seed),
    events: [],
    actions: scenario?.actions ?? {},
    observers: createObservers(scenario, { pgUrl: opts.pgUrl ?? null, instances: opts.instances ?? RUN_DEFAULTS.instances }),
    meta: {
      scenario: scenario?.name ?? null, profile: `log:${basename(logFile)}`, seed, speed: replayOpts.speed ?? RUN_DEFAULTS.speed, rateScale: replayOpts.rateScale ?? RUN_DEFAULTS.rateScale,
      arrival: 'log', endpoints: scan.endpoints, slo: scenario?.slo ?? [], extra,
    },
    files: { scenarioText: scenario?.sourceText ?? null },
    scenario,
    manifest: tenants?.manifest ?? null,
    afterRun: recordStreamStats,
  });
  return { ...result, scan };
};
