/**
 * `prodshape replay`: plays a profile's traffic (with a scenario's endpoints
 * and tenants) against a target in an open model, writes the run directory
 * and the report. Thin: parses flags, calls `runReplay`, prints.
 */
import type { Argv, CommandModule } from 'yargs';
import { InputError, inputError } from '../core/errors.js';
import { flagProblems } from '../engine/preflight.js';
import { checkOutputFile } from '../core/out-paths.js';
import { RUN_DEFAULTS } from '../engine/defaults.js';
import { everyBlockOf, formatLive } from '../engine/live.js';
import type { runReplay } from '../app/replay.js';
import type { DemoTarget } from '../demo/first-run.js';
import { lowerHelperThreads } from '../engine/helper-threads.js';
import { DEMO_CONNECTIONS, DEMO_PGLITE_OFF, isDemoScenario } from '../demo/defaults.js';
import { ALLOW_REMOTE, DURATION, durationFlag, FORCE, GRACE, option, OUT, positiveNumber, RATE_SCALE, readOutDir, SLO, SPEED, TARGET } from './flags.js';
import { LOG_REPLAY_GROUP, logReplayFlags, readLogReplayArgs } from './log-options.js';
import { withHelpGroups, type HelpGroup } from './help-groups.js';
import { paint as paintFor, wrap } from '../report/format.js';
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
  'busy-poll'?: boolean;
  warmup?: string;
  seed?: string;
  slo: string[];
  junit?: string;
  'log-requests'?: string;
  'allow-remote': boolean;
  pg?: string;
  'out-prometheus'?: string;
  instances: number;
  force: boolean;
}

const TIMEOUT = durationFlag('timeout', { describe: 'request timeout [the scenario\'s `timeout`, 30s]' });
const WARMUP = durationFlag('warmup', {
  describe: 'before the measured run, send the plan\'s first DURATION once, unmeasured, so the generator\'s code is compiled and its connections open (the target sees that traffic twice, and its caches are warm) [none]',
}, { zeroOk: true });
const whole = (flag: string, v: number): number => positiveNumber(flag, v, { integer: true });

/** How often the live line is printed when stderr is not a terminal, ms of elapsed time. */
const PIPED_LIVE_EVERY_MS = 5000;

/**
 * Live view on stderr (so stdout stays clean). On a TTY: redrawn in place
 * (`\r` and clear to end of line) each second, fitted to the terminal's
 * current width in columns minus one (a line ending in the last column could
 * wrap on some terminals), with a progress bar when wide enough and errors and
 * drops in red when colours are on (`useColor`: --no-color, NO_COLOR, FORCE_COLOR); log lines longer than the terminal are
 * word-wrapped. Otherwise: the full line every 5 s of elapsed time (at 5 s, 10 s…), no bar, log lines as they are.
 */
const liveView = (): { onLive: Parameters<typeof runReplay>[0]['onLive']; clear: () => void; fit: (line: string) => string[] } => {
  const stream = process.stderr;
  const tty = Boolean(stream.isTTY);
  const paint = useColor(stream) ? { red: paintFor(true).red } : undefined;
  const pipedDue = everyBlockOf(PIPED_LIVE_EVERY_MS);
  let shown = false;
  return {
    onLive: (s) => {
      if (tty) {
        // Read each time: the terminal may be resized during the run.
        const widthCols = Math.max(1, (streamColumns(stream) ?? 80) - 1);
        stream.write(`\r\x1b[K${formatLive(s, widthCols, { paint })}`);
        shown = true;
      } else if (pipedDue(s.elapsedMs)) {
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
  const flagged = flagProblems(a.slo, a.pg ?? null, a['out-prometheus'] ?? null);
  if (flagged.length > 0) throw new InputError(flagged, { code: 'PS_PREFLIGHT', hint: 'nothing was sent: fix the flags named above and run again' });
  const speed = SPEED.read(a);
  const rateScale = RATE_SCALE.read(a);
  // Outputs are checked before anything starts (the demo, the inputs); replayPlan creates them before the first request.
  readOutDir(a);
  if (a['log-requests'] !== undefined) checkOutputFile(a['log-requests'], '--log-requests', a.force);
  if (a.junit !== undefined) checkOutputFile(a.junit, '--junit', true);
  return {
    speed,
    rateScale,
    durationMs: DURATION.read(a),
    workers: whole('--workers', a.workers),
    connections: whole('--connections', a.connections ?? (a.target === undefined && a.log === undefined ? DEMO_CONNECTIONS : RUN_DEFAULTS.connections)),
    maxInflight: a['max-inflight'] === 0 ? null : whole('--max-inflight', a['max-inflight']),
    timeoutMs: TIMEOUT.read(a),
    graceMs: GRACE.read(a) ?? RUN_DEFAULTS.graceMs,
    warmupMs: WARMUP.read(a) ?? 0,
    instances: whole('--instances', a.instances),
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
  ['Traffic:', ['profile', 'log', 'speed', 'rate-scale', 'duration', 'seed', 'workers', 'connections', 'max-inflight', 'timeout', 'grace', 'busy-poll', 'warmup']],
  ['Data:', ['data']],
  ['Output:', ['out', 'force', 'slo', 'junit', 'log-requests', 'out-prometheus']],
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
      .option(...option(TARGET))
      .option(...option(OUT, { describe: 'run directory [runs/<profile>-<timestamp>]' }))
      .option('data', { type: 'string', describe: 'dataset directory from `prodshape generate` (its manifest.json gives tenants)' })
      .option('log', { type: 'string', describe: 'replay an access log instead of a profile' })
      .option(...option(SPEED, { defaultDescription: `${RUN_DEFAULTS.speed}; without --target, about 2 minutes` }))
      .option(...option(RATE_SCALE, { defaultDescription: `${RUN_DEFAULTS.rateScale}; without --target, fitted to the demo` }))
      .option(...option(DURATION))
      .option('workers', { type: 'number', default: RUN_DEFAULTS.workers, describe: 'worker threads sharing the schedule' })
      .option('connections', { type: 'number', defaultDescription: `${RUN_DEFAULTS.connections}; ${DEMO_CONNECTIONS} against the bundled demo`, describe: 'connections to the target (split between workers)' })
      .option('max-inflight', { type: 'number', default: RUN_DEFAULTS.maxInflight, describe: 'requests in flight at most; arrivals beyond are counted as dropped' })
      .option(...option(TIMEOUT))
      .option(...option(GRACE))
      .option('busy-poll', { type: 'boolean', default: false, describe: 'keep each sending thread running between sends (a whole core each, whatever the rate) so no send waits for the system to wake it: sub-millisecond schedule lag on virtual machines' })
      .option(...option(WARMUP))
      .option('seed', { type: 'string', describe: 'seed of every random choice [random; recorded in run.json]' })
      .option(...option(SLO, { default: [] as string[] }))
      .option('junit', { type: 'string', describe: 'write the SLO checks as JUnit XML to FILE' })
      .option('log-requests', { type: 'string', describe: 'write every request (intended time, latency, status, endpoint, tenant) as NDJSON to FILE' })
      .option(...option(ALLOW_REMOTE))
      .option('out-prometheus', { type: 'string', describe: "after the run, remote-write its per-second rates, errors and p50/p95/p99 per endpoint to this URL (a Prometheus with --web.enable-remote-write-receiver: http://HOST:9090/api/v1/write)" })
      .option('pg', { type: 'string', describe: 'PostgreSQL to observe (pg_stat_statements, pg_stat_activity, EXPLAIN) [the scenario\'s observe.postgres.url]' })
      .option('instances', { type: 'number', default: RUN_DEFAULTS.instances, describe: 'copies of the service behind one database (capacity math)' })
      .option(...option(FORCE, { describe: 'write into a non-empty --out directory (replacing a previous run\'s files) and over an existing --log-requests file' }))
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
    // The sending thread before V8's and libuv's helper threads (src/engine/helper-threads.ts); the engine's own threads start after.
    // Not with --busy-poll: a sender that never sleeps needs no quick wake-up, and helpers below it could get no core at all.
    if (a['busy-poll'] !== true) lowerHelperThreads();
    const live = liveView();
    try {
      const seed = a.seed === undefined ? null : /^\d+$/.test(a.seed) ? Number(a.seed) : a.seed;
      const options = {
        ...(a.target !== undefined ? { target: a.target } : demo !== null ? { target: demo.url } : {}),
        ...(a.out !== undefined ? { outDir: a.out } : {}),
        dataDir: a.data ?? demo?.dataDir ?? null,
        speed: speed ?? demo?.speed ?? RUN_DEFAULTS.speed,
        rateScale: rateScale ?? demo?.rateScale ?? RUN_DEFAULTS.rateScale,
        durationMs: flags.durationMs, workers: flags.workers, connections: flags.connections, maxInflight: flags.maxInflight,
        timeoutMs: flags.timeoutMs, graceMs: flags.graceMs, instances: flags.instances, busyPoll: a['busy-poll'] === true, warmupMs: flags.warmupMs,
        seed,
        slo: SLO.read(a),
        junitFile: a.junit ?? null,
        logRequestsFile: a['log-requests'] ?? null,
        allowRemote: ALLOW_REMOTE.read(a),
        // The demo's PostgreSQL (the embedded server, or DATABASE_URL) is observed like a user's staging database.
        pgUrl: a.pg ?? demo?.child.pgUrl ?? null,
        outPrometheus: a['out-prometheus'] ?? null,
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
