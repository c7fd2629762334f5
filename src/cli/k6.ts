/**
 * `prodshape k6 --scenario S --profile P --out script.ts`: exports the scenario
 * and profile to a k6 script, TypeScript or (`.js`, `--format js`) JavaScript,
 * and its tenant data file, for runs
 * larger than one machine (k6, k6-operator). Results come back with
 * `prodshape report --from-k6 results.json --out DIR` (`importK6ForReport`
 * below, which the report command calls).
 */
import { relative } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { durationFlagMs, formatDurationMs } from '../core/duration.js';
import { resolveNamed } from '../core/paths.js';
import { commandLine } from '../core/shell.js';
import { exportK6 } from '../k6/export.js';
import { importK6Results } from '../k6/import.js';
import { formatK6Duration } from '../k6/stages.js';
import { RUN_DEFAULTS } from '../engine/defaults.js';
import { DURATION, FORCE, option, OUT, positiveNumber, RATE_SCALE, readOutFile, SLO, SPEED, TARGET } from './flags.js';
import { err, out } from './output.js';

interface K6Args {
  scenario: string;
  profile: string;
  out: string;
  data?: string;
  speed: number;
  'rate-scale': number;
  duration?: string;
  target?: string;
  slo?: string[];
  'expected-latency': string;
  'max-vus'?: number;
  'tenant-tags': number;
  force: boolean;
  format?: 'ts' | 'js';
}

/** A path for people: relative to the working directory when inside it. */
const show = (file: string): string => {
  const rel = relative(process.cwd(), file);
  return rel === '' || rel.startsWith('..') ? file : rel;
};

export const k6Command: CommandModule<object, K6Args> = {
  builder: (y: Argv) =>
    y
      .option('scenario', { type: 'string', demandOption: true, describe: 'scenario: a YAML path or a name in ./scenarios' })
      .option('profile', { type: 'string', demandOption: true, describe: 'profile: a YAML path or a name in ./profiles' })
      .option(...option(OUT, { demandOption: true, describe: 'the script to write (*.ts, or *.js for k6 < 0.57); its tenant data file goes beside it' }))
      .option('format', { choices: ['ts', 'js'] as const, describe: 'ts: TypeScript (k6 >= 0.57); js: ES2017 JavaScript (older k6, verified on v0.47). Default: from the extension of --out' })
      .option('data', { type: 'string', describe: 'dataset directory from `prodshape generate` (its manifest.json gives the tenants)' })
      .option(...option(SPEED, { default: RUN_DEFAULTS.speed }))
      .option(...option(RATE_SCALE, { default: RUN_DEFAULTS.rateScale }))
      .option(...option(DURATION, { describe: 'cut the (compressed) profile after this long, e.g. 5m' }))
      .option(...option(TARGET, { describe: 'default base URL baked into the script (k6 run -e TARGET=… overrides it)' }))
      .option(...option(SLO, { describe: "SLO as a k6 threshold, repeatable: 'p99<300ms', 'list-orders:p95<100ms', 'errors<1%'" }))
      .option('expected-latency', { type: 'string', default: '100ms', describe: 'latency expected at the peak, for sizing VUs by Little\'s law' })
      .option('max-vus', { type: 'number', describe: 'cap on VUs (requests in flight); default: enough for 10x the expected latency' })
      .option('tenant-tags', { type: 'number', default: 200, describe: 'track the N largest tenants (tagged with their id), plus samples of small and empty ones, as replay does' })
      .option(...option(FORCE, { describe: 'overwrite an existing script (and its data file)' }))
      .example('$0 k6 --scenario saas-orders --data data/ --profile spike-3x --out spike.ts', 'then: k6 run -e TARGET=http://staging:8080 --out json=results.json.gz spike.ts')
      .strict(),
  handler: async (args) => {
    const speed = SPEED.read(args) ?? RUN_DEFAULTS.speed;
    const rateScale = RATE_SCALE.read(args) ?? RUN_DEFAULTS.rateScale;
    const outFile = readOutFile(args) ?? args.out;
    const scenarioFile = resolveNamed('scenarios', args.scenario, '--scenario');
    const profileFile = resolveNamed('profiles', args.profile, '--profile');
    const maxVus = args['max-vus'];
    const result = await exportK6(scenarioFile, profileFile, outFile, {
      dataDir: args.data ?? null,
      speed,
      rateScale,
      durationLimitMs: DURATION.read(args),
      target: TARGET.read(args) ?? null,
      slo: SLO.read(args),
      expectedLatencyMs: durationFlagMs('--expected-latency', args['expected-latency']),
      maxVus: maxVus === undefined ? null : Math.ceil(positiveNumber('--max-vus', maxVus)),
      tenantTags: Math.floor(positiveNumber('--tenant-tags', args['tenant-tags'], { zeroOk: true })),
      command: commandLine(['prodshape', ...process.argv.slice(2)]),
      ...(args.format === undefined ? {} : { format: args.format }),
    });
    for (const w of result.warnings) err(`warning: ${w}`);
    const p = result.plan;
    out(`wrote ${show(result.scriptFile)}${result.dataFile === null ? '' : ` and ${show(result.dataFile)} (${p.tenants?.count ?? 0} tenants)`}`);
    out(`  ${p.scenario.name} × ${p.profile.name}: ${formatDurationMs(p.profile.durationMs)}, peak ${+p.profile.peakRps.toFixed(2)}/s, ~${Math.round(p.profile.expectedRequests)} requests, ${p.endpoints.length} endpoints`);
    out(`  ramping-arrival-rate: ${p.arrival.stages.length} stages, timeUnit ${p.arrival.timeUnit}, VUs ${p.vus.preAllocatedVUs} pre-allocated, ${p.vus.maxVUs} max`);
    if (p.events.length > 0) out(`  events: ${p.events.map((e) => `${e.action} at ${formatK6Duration(e.atMs)}`).join(', ')}`);
    if (p.slos.length > 0) out(`  thresholds: ${p.slos.map((s) => s.spec).join(', ')}`);
    out('run it:');
    out(`  ${commandLine(['k6', 'run', '-e', `TARGET=${p.target ?? 'http://HOST:PORT'}`, '--out', 'json=results.json.gz', show(result.scriptFile)])}`);
    out('  prodshape report --from-k6 results.json.gz --out runs/k6-run');
  },
};

/**
 * The import half of `prodshape report --from-k6 FILE… --out DIR`: k6 JSON
 * results (one file per runner, gzip or not) into a new run directory, with
 * a line saying what was read; report.ts then analyses and renders it like any
 * run. `print` is where the line goes (stderr when stdout carries --json).
 */
export const importK6ForReport = async (files: string[], outDir: string, print: (text: string) => void = out, force = false): Promise<void> => {
  const r = await importK6Results(files, outDir, { force });
  for (const w of r.warnings) err(`warning: ${w}`);
  const runners = r.instances.length > 0 ? `${r.instances.length} runners` : `${files.length} file${files.length === 1 ? '' : 's'}`;
  print(`imported ${r.requests} requests, ${r.dropped} dropped iterations, ${r.events} events from ${runners} into ${show(r.dir)}`);
  if (r.meta.scenario === null) print('  (no prodshape metadata in the results: scenario, profile and SLOs unknown; endpoints and tenants from tags)');
};
