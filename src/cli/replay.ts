/**
 * `prodshape replay`: plays a profile's traffic (with a scenario's endpoints
 * and tenants) against a target in an open model, writes the run directory
 * and the report. Thin: parses flags, calls `runReplay`, prints.
 */
import type { Argv, CommandModule } from 'yargs';
import { durationFlagMs } from '../core/duration.js';
import { InputError, inputError } from '../core/errors.js';
import { flagProblems } from '../engine/preflight.js';
import { checkOutputDir, checkOutputFile } from '../core/out-paths.js';
import { checkTransformFlags } from '../scenario/profile.js';
import { formatLive } from '../engine/live.js';
import type { runReplay } from '../app/replay.js';
import type { DemoTarget } from '../demo/first-run.js';
import { DEMO_CONNECTIONS, DEMO_PGLITE_OFF, isDemoScenario } from '../demo/defaults.js';
import { LOG_REPLAY_GROUP, logReplayFlags, readLogReplayArgs } from './log-options.js';
import { withHelpGroups, type HelpGroup } from './help-groups.js';
import { wrap } from '../report/format.js';
import { err, out, streamColumns, terminalWidth, useColor } from './output.js';

interface ReplayArgs {
  scenario?: string;
  profile?: string;
  target?: string;
  out?: string;
  data?: string;
  log?: string;
  speed?: number;
  'rate-scale'?: number;
  duration?: string;
  workers: number;
  connections: number | undefined;
  'max-inflight': number;
  timeout?: string;
  grace: string;
  seed?: string;
  slo: string[];
  junit?: string;
  'log-requests'?: string;
  'allow-remote': boolean;
  pg?: string;
  instances: number;
  force: boolean;
}

const durationFlag = (flag: string, v: string | undefined): number | null => (v === undefined ? null : durationFlagMs(flag, v));

const positive = (flag: string, v: number, integer = false): number => {
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) throw inputError(flag, `expected a ${integer ? 'whole ' : ''}number > 0, got ${v}`);
  return v;
};

/**
 * Live view on stderr (so stdout stays clean). On a TTY: redrawn in place
 * (`\r` and clear to end of line) each second, fitted to the terminal's
 * current width in columns minus one (a line ending in the last column could
 * wrap on some terminals), with a progress bar when wide enough and errors and
 * drops in red unless NO_COLOR; log lines longer than the terminal are
 * word-wrapped. Otherwise: the full line every 5 s, no bar, log lines as they are.
 */
const liveView = (): { onLive: Parameters<typeof runReplay>[0]['onLive']; clear: () => void; fit: (line: string) => string[] } => {
  const stream = process.stderr;
  const tty = Boolean(stream.isTTY);
  const paint = useColor(stream) ? { red: (t: string): string => `\x1b[31m${t}\x1b[39m` } : undefined;
  let n = 0;
  let shown = false;
  return {
    onLive: (s) => {
      if (tty) {
        // Read each time: the terminal may be resized during the run.
        const widthCols = Math.max(1, (streamColumns(stream) ?? 80) - 1);
        stream.write(`\r\x1b[K${formatLive(s, widthCols, { paint })}`);
        shown = true;
      } else if (n++ % 5 === 4) {
        err(formatLive(s, Number.POSITIVE_INFINITY, { progressBar: false }));
      }
    },
    clear: () => {
      if (tty && shown) stream.write('\r\x1b[K');
      shown = false;
    },
    /** A log line, word-wrapped to the TTY's columns (continuations indented 2) when one line longer than them; as is otherwise. */
    fit: (line) => {
      const widthCols = streamColumns(stream);
      if (widthCols === null || line.includes('\n') || line.length <= widthCols) return [line];
      return wrap(line, widthCols, '  ');
    },
  };
};

/**
 * Every flag checked before anything starts (the demo, the inputs, the
 * load): combinations, SLOs and the observer URL, transforms, outputs, and the
 * numbers, with their defaults.
 */
const checkReplayFlags = (a: ReplayArgs) => {
  // Access-log replays (src/app/log-replay.ts) take --log instead of --profile; --scenario is optional for them.
  if (a.log !== undefined && a.profile !== undefined) throw inputError('--profile', 'give either --log (replay an access log) or --profile, not both');
  if (a.log === undefined && a.scenario === undefined && a.target !== undefined) throw inputError('--scenario', 'is required with --target', { hint: 'e.g. --scenario saas-orders (a name in ./scenarios) or a path to a YAML file' });
  if (a.log === undefined && a.target === undefined && !isDemoScenario(a.scenario)) {
    throw inputError('--target', `is required with --scenario ${a.scenario ?? ''}`, { hint: 'pass --target http://HOST:PORT (the service under test), or leave out --scenario to run against the bundled demo service' });
  }
  if (a.log === undefined && a.profile === undefined) throw inputError('--profile', 'is required', { hint: 'e.g. --profile spike-3x (monday-9am, post-deploy-cold, spike-3x, steady, breakpoint)' });
  // Flags that would only fail after the load was sent are refused before anything starts (the demo included).
  const flagged = flagProblems(a.slo, a.pg ?? null);
  if (flagged.length > 0) throw new InputError(flagged, { code: 'PS_PREFLIGHT', hint: 'nothing was sent: fix the flags named above and run again' });
  checkTransformFlags({ speed: a.speed, rateScale: a['rate-scale'] }, { zeroScale: true });
  // Outputs are checked before anything starts (the demo, the inputs); replayPlan creates them before the first request.
  if (a.out !== undefined) checkOutputDir(a.out, '--out', a.force);
  if (a['log-requests'] !== undefined) checkOutputFile(a['log-requests'], '--log-requests', a.force);
  if (a.junit !== undefined) checkOutputFile(a.junit, '--junit', true);
  return {
    speed: a.speed,
    rateScale: a['rate-scale'],
    durationMs: durationFlag('--duration', a.duration),
    workers: positive('--workers', a.workers, true),
    connections: positive('--connections', a.connections ?? (a.target === undefined && a.log === undefined ? DEMO_CONNECTIONS : 100), true),
    maxInflight: a['max-inflight'] === 0 ? null : positive('--max-inflight', a['max-inflight'], true),
    timeoutMs: durationFlag('--timeout', a.timeout),
    graceMs: durationFlag('--grace', a.grace) ?? 5000,
    instances: positive('--instances', a.instances, true),
  };
};

/**
 * The first SIGINT or SIGTERM stops arrivals (`ac`); a second one skips what
 * is left of the grace period (`force`). `dispose` removes the handlers.
 */
const stopSignals = (): { ac: AbortController; force: AbortController; dispose: () => void } => {
  const ac = new AbortController();
  const force = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) {
      err(`\n${sig}: stopping arrivals; waiting for requests in flight (press Ctrl-C again to stop now)`);
      ac.abort(`${sig} received`);
    } else {
      force.abort();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    ac, force, dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
};

/** `replay --help` headings, most used first; the access-log-only flags (log-options.ts) come last. */
const REPLAY_HELP_GROUPS: readonly HelpGroup[] = [
  ['Target:', ['target', 'scenario', 'allow-remote', 'instances']],
  ['Traffic:', ['profile', 'log', 'speed', 'rate-scale', 'duration', 'seed', 'workers', 'connections', 'max-inflight', 'timeout', 'grace']],
  ['Data:', ['data']],
  ['Output:', ['out', 'force', 'slo', 'junit', 'log-requests']],
  ['Observers:', ['pg']],
  ['Options:', ['help', 'version']],
  [LOG_REPLAY_GROUP, []],
];

export const replayCommand: CommandModule<object, ReplayArgs> = {
  builder: (y: Argv) =>
    (withHelpGroups(y, REPLAY_HELP_GROUPS).options(logReplayFlags) as Argv)
      .usage('$0 replay --scenario S --profile P --target URL [--out DIR] [options]')
      .option('scenario', { type: 'string', describe: 'scenario file or name (./scenarios, then the package\'s)' })
      .option('profile', { type: 'string', describe: 'profile file or name (./profiles, then the package\'s: monday-9am, post-deploy-cold, spike-3x, steady, breakpoint)' })
      .option('target', { type: 'string', describe: 'base URL of the service under test (loopback/private networks only unless --allow-remote)' })
      .option('out', { type: 'string', describe: 'run directory [runs/<profile>-<timestamp>]' })
      .option('data', { type: 'string', describe: 'dataset directory from `prodshape generate` (its manifest.json gives tenants)' })
      .option('log', { type: 'string', describe: 'replay an access log instead of a profile' })
      .option('speed', { type: 'number', defaultDescription: '1; without --target, about 2 minutes', describe: 'compress time: 10 plays a 60-minute profile in 6 minutes' })
      .option('rate-scale', { type: 'number', defaultDescription: '1; without --target, fitted to the demo', describe: 'multiply every rate' })
      .option('duration', { type: 'string', describe: 'stop after this long (after --speed), e.g. 90s' })
      .option('workers', { type: 'number', default: 1, describe: 'worker threads sharing the schedule' })
      .option('connections', { type: 'number', defaultDescription: '100; 1000 against the bundled demo', describe: 'connections to the target (split between workers)' })
      .option('max-inflight', { type: 'number', default: 10_000, describe: 'requests in flight at most; arrivals beyond are counted as dropped' })
      .option('timeout', { type: 'string', describe: 'request timeout [the scenario\'s `timeout`, 30s]' })
      .option('grace', { type: 'string', default: '5s', describe: 'after Ctrl-C, SIGTERM or a dead target, how long in-flight requests may finish (those still waiting then count as aborted)' })
      .option('seed', { type: 'string', describe: 'seed of every random choice [random; recorded in run.json]' })
      .option('slo', { type: 'string', array: true, default: [] as string[], describe: "SLO to check, repeatable: 'p99<300ms', 'list-orders:p95<100ms', 'errors<1%'" })
      .option('junit', { type: 'string', describe: 'write the SLO checks as JUnit XML to FILE' })
      .option('log-requests', { type: 'string', describe: 'write every request (intended time, latency, status, endpoint, tenant) as NDJSON to FILE' })
      .option('allow-remote', { type: 'boolean', default: false, describe: 'allow a target outside loopback and private networks' })
      .option('pg', { type: 'string', describe: 'PostgreSQL to observe (pg_stat_statements, pg_stat_activity, EXPLAIN) [the scenario\'s observe.postgres.url]' })
      .option('instances', { type: 'number', default: 1, describe: 'copies of the service behind one database (capacity math)' })
      .option('force', { type: 'boolean', default: false, describe: 'write into a non-empty --out directory (replacing a previous run\'s files) and over an existing --log-requests file' })
      .example('$0 replay --scenario saas-orders --data data/ --profile spike-3x --target http://127.0.0.1:8080', 'a dataset from prodshape generate, replayed against your staging service')
      .example('$0 replay --scenario demo --data DIR --profile monday-9am --target http://127.0.0.1:7878 --speed 30 --slo "p99<300ms"', 'against `prodshape demo` (it prints its dataset DIR)')
      .example('$0 replay --log access.log.gz --target http://127.0.0.1:8080 --speed 100 --rate-scale 3', ''),
  handler: async (a) => {
    const flags = checkReplayFlags(a);
    const { speed, rateScale } = flags;
    // No --target: start the bundled demo service for this run (src/demo/first-run.ts), stopped in `finally`.
    const demo: DemoTarget | null = a.target === undefined && a.log === undefined
      ? await (await import('../demo/first-run.js')).startDemoForReplay({ profile: a.profile as string, speed, rateScale, log: err })
      : null;
    const { ac, force, dispose } = stopSignals();
    const live = liveView();
    try {
      const seed = a.seed === undefined ? null : /^\d+$/.test(a.seed) ? Number(a.seed) : a.seed;
      const options = {
        ...(a.target !== undefined ? { target: a.target } : demo !== null ? { target: demo.url } : {}),
        ...(a.out !== undefined ? { outDir: a.out } : {}),
        dataDir: a.data ?? demo?.dataDir ?? null,
        speed: speed ?? demo?.speed ?? 1,
        rateScale: rateScale ?? demo?.rateScale ?? 1,
        durationMs: flags.durationMs, workers: flags.workers, connections: flags.connections, maxInflight: flags.maxInflight,
        timeoutMs: flags.timeoutMs, graceMs: flags.graceMs, instances: flags.instances,
        seed,
        slo: a.slo,
        junitFile: a.junit ?? null,
        logRequestsFile: a['log-requests'] ?? null,
        allowRemote: a['allow-remote'],
        // The demo's PostgreSQL (the embedded server, or DATABASE_URL) is observed like a user's staging database.
        pgUrl: a.pg ?? demo?.child.pgUrl ?? null,
        force: a.force,
        signal: ac.signal,
        forceSignal: force.signal,
        onLive: live.onLive,
        log: (line: string) => {
          live.clear();
          for (const l of live.fit(line)) err(l);
        },
        print: (text: string) => {
          live.clear();
          out(text);
        },
        render: { color: useColor(), width: terminalWidth() },
      };
      const result = a.log !== undefined
        ? await (await import('../app/log-replay.js')).runLogReplay({ ...options, logFile: a.log, scenario: a.scenario ?? null, replay: readLogReplayArgs(a) })
        : await (await import('../app/replay.js')).runReplay({
          ...options, scenario: a.scenario ?? demo?.scenarioFile ?? '', profile: a.profile as string,
          // The demo is stopped as soon as the traffic ends, so its last words come before the report.
          ...(demo !== null ? { afterRun: () => demo.stop() } : {}),
          ...(demo?.child.backend === 'pglite' && a.pg === undefined ? { postgresOff: DEMO_PGLITE_OFF } : {}),
        });
      live.clear();
      if (result.meta.interrupted) err(`run interrupted (${result.meta.interrupt_reason ?? 'stopped'}); everything measured is in ${result.dir}`);
      process.exitCode = result.exitCode;
    } finally {
      live.clear();
      dispose();
      await demo?.stop();
    }
  },
};
