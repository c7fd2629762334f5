/**
 * `prodshape fit --log FILE --out profiles/NAME.yaml [--scenario-out scenarios/NAME.yaml]`:
 * fits a profile (rate curve → stages, with `fit.zipf_s`) and a scenario
 * (endpoint templates and weights) to an access log, and prints a summary.
 */
import { writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, relative } from 'node:path';
import type { CommandModule } from 'yargs';
import { inputError } from '../core/errors.js';
import { checkOutputFile, prepareOutputFile } from '../core/out-paths.js';
import { parseProfile } from '../scenario/profile.js';
import { parseScenario } from '../scenario/scenario.js';
import { fitLog, formatFitSummary, profileYaml, scenarioYaml, tenantsCsv } from '../traffic/fit/index.js';
import { durationFlag, FORCE, OUT } from './flags.js';
import { logFilterFlags, logSourceFlags, readLogFilterArgs, readLogSourceArgs } from './log-options.js';
import { out } from './output.js';

const nameOf = (file: string): string => basename(file, extname(file));

const positiveInt = (argv: Record<string, unknown>, name: string): number | undefined => {
  const v = argv[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw inputError(`--${name}`, `expected a whole number >= 1, got ${JSON.stringify(v)}`);
  return v;
};

/** Writes a checked output file (bounded mkdir of its directory). */
const writeText = async (file: string, flag: string, text: string): Promise<void> => {
  prepareOutputFile(file, flag);
  await writeFile(file, text);
};

const INTERVAL = durationFlag('interval', { describe: 'rate-curve interval, e.g. 1m or 1h (default: from the span, at most 120 intervals)' });

export const fitCommand: CommandModule = {
  builder: (y) =>
    y
      .usage('$0 fit --log FILE --out profiles/NAME.yaml [--scenario-out scenarios/NAME.yaml]')
      .options({
        log: { type: 'string', demandOption: true, describe: 'access log (combined, common, nginx JSON or CSV; plain or gzip)' },
        [OUT.name]: { ...OUT.option, demandOption: true, describe: 'profile file to write' },
        'scenario-out': { type: 'string', describe: 'scenario file to write (fitted endpoints and weights)' },
        name: { type: 'string', describe: 'name of the profile and scenario (default: from the file names)' },
        [INTERVAL.name]: INTERVAL.option,
        smooth: { type: 'number', default: 3, describe: 'smoothing width in intervals (1 = none)' },
        'max-stages': { type: 'number', default: 48, describe: 'most stages in the profile' },
        tolerance: { type: 'number', default: 0.05, describe: 'largest stage misfit, as a share of the mean rate' },
        'max-endpoints': { type: 'number', default: 20, describe: 'endpoints in the scenario (the most requested)' },
        daily: { type: 'boolean', default: false, describe: 'write one average day instead of the whole span' },
        [FORCE.name]: { ...FORCE.option, describe: 'overwrite existing --out and --scenario-out files' },
        ...logSourceFlags,
        ...logFilterFlags(true),
      }),
  handler: async (argv) => {
    const a = argv as Record<string, unknown>;
    const intervalMs = INTERVAL.read(a) ?? undefined;
    if (intervalMs !== undefined && intervalMs % 1000 !== 0) throw inputError('--interval', 'expected whole seconds, e.g. 30s, 5m, 1h');
    const smooth = positiveInt(a, 'smooth');
    if (smooth !== undefined && smooth % 2 === 0) throw inputError('--smooth', `expected an odd number of intervals (1, 3, 5, …), got ${smooth}`);
    const tolerance = a.tolerance as number;
    if (!(tolerance >= 0)) throw inputError('--tolerance', `expected a share >= 0 such as 0.05, got ${String(a.tolerance)}`);
    const filter = readLogFilterArgs(a);
    const logFile = a.log as string;
    const profileFile = a.out as string;
    const scenarioFile = a['scenario-out'] as string | undefined;
    checkOutputFile(profileFile, '--out', a.force === true);
    if (scenarioFile !== undefined) checkOutputFile(scenarioFile, '--scenario-out', a.force === true);
    const result = await fitLog(logFile, {
      source: readLogSourceArgs(a),
      filter,
      templates: filter.tenantSegments === undefined ? {} : { tenantSegments: filter.tenantSegments },
      ...(intervalMs === undefined ? {} : { intervalS: intervalMs / 1000 }),
      ...(smooth === undefined ? {} : { smoothWindow: smooth }),
      maxStages: positiveInt(a, 'max-stages') ?? 48,
      maxEndpoints: positiveInt(a, 'max-endpoints') ?? 20,
      tolerance,
      shape: a.daily === true ? 'day' : 'span',
    });
    const name = (a.name as string | undefined) ?? nameOf(profileFile);
    const profileText = profileYaml(result, name);
    // The files must load as what they claim to be: check before writing.
    parseProfile(profileText, profileFile);
    await writeText(profileFile, '--out', profileText);
    let scenarioNote = '';
    if (scenarioFile !== undefined) {
      // Tenants named in paths go to a CSV beside the scenario (numbered by popularity, no production ids).
      const csvName = result.endpoints.tenantCounts.length > 0 ? `${nameOf(scenarioFile)}-tenants.csv` : null;
      const scenarioText = scenarioYaml(result, (a.name as string | undefined) ?? nameOf(scenarioFile), { tenantsCsvFile: csvName });
      parseScenario(scenarioText, scenarioFile);
      await writeText(scenarioFile, '--scenario-out', scenarioText);
      if (csvName !== null && scenarioText.includes('tenants:')) await writeText(join(dirname(scenarioFile), csvName), '--scenario-out', tenantsCsv(result));
      scenarioNote = ` and ${relative(process.cwd(), scenarioFile) || scenarioFile} (${result.scenarioEndpoints.length} endpoints)`;
    }
    out(formatFitSummary(result));
    out(`wrote ${relative(process.cwd(), profileFile) || profileFile} (${result.stages.length} stage${result.stages.length === 1 ? '' : 's'})${scenarioNote}`);
    out(`next: prodshape replay --profile ${profileFile}${scenarioFile === undefined ? ' --scenario S' : ` --scenario ${scenarioFile}`} --target URL --speed 100`);
  },
};
