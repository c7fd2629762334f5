/**
 * `prodshape k6`: a scenario and a profile in, a TypeScript k6 script and its
 * tenant data file out. Loading and writing happen here; deciding (plan.ts)
 * and rendering (script.ts) are pure.
 */
import { writeFile } from 'node:fs/promises';
import { prepareOutputFile } from '../core/out-paths.js';
import { basename, dirname, join, resolve } from 'node:path';
import { inputError } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import { commandLine } from '../core/shell.js';
import { loadProfile, transformProfile, type Profile } from '../scenario/profile.js';
import { loadScenario, type Scenario } from '../scenario/scenario.js';
import { buildDataFile, buildK6Plan, type K6ScriptPlan } from './plan.js';
import { renderK6Script } from './script.js';
import { loadTenantTable, type TenantTable } from '../traffic/tenants.js';

export interface K6ExportOptions {
  /** `--data DIR`: a dataset from `prodshape generate` (its manifest.json gives the tenants). */
  dataDir?: string | null;
  /** `--speed`: compresses time (default 1). */
  speed?: number;
  /** `--rate-scale`: multiplies rates (default 1). */
  rateScale?: number;
  /** `--duration`: truncates the (compressed) profile, ms. */
  durationLimitMs?: number | null;
  /** Default target baked into the script; `-e TARGET=` overrides it. Null: TARGET is required at run time. */
  target?: string | null;
  /** `--slo` specs, added to the scenario's. */
  slo?: string[];
  /** Latency the target is expected to answer in at the peak, ms (VU sizing; default 100). */
  expectedLatencyMs?: number;
  /** Overrides the computed maxVUs. */
  maxVus?: number | null;
  /**
   * How many of the heaviest tenants are tracked: tagged with their id, as
   * replay keeps a histogram per tracked tenant (default 200, as replay; a
   * sample of small and empty tenants is tracked too). 0 tracks none.
   */
  tenantTags?: number;
  /** The command line to print in the script's header, already redacted and quoted (src/core/shell.ts `commandLine`). */
  command?: string;
}

export interface K6Rendered {
  plan: K6ScriptPlan;
  warnings: string[];
  script: string;
  /** The data file's text, or null when no endpoint names a tenant. */
  data: string | null;
}

/** Removes `user:password@` from a URL (credentials belong in `${ENV}` headers). */
const stripCredentials = (url: string): { url: string; stripped: boolean } => {
  const out = url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1');
  return { url: out.replace(/\/+$/, ''), stripped: out !== url };
};

/** Pure: a loaded scenario, profile and tenant table to the script and data texts. */
export const renderK6Export = (
  scenario: Scenario,
  profile: Profile,
  tenants: TenantTable | null,
  scriptName: string,
  opts: K6ExportOptions = {},
): K6Rendered => {
  const transformed = transformProfile(profile, {
    speed: opts.speed ?? 1,
    rateScale: opts.rateScale ?? 1,
    durationLimitMs: opts.durationLimitMs ?? null,
  });
  const warnings: string[] = [];
  let target: string | null = null;
  if (opts.target !== undefined && opts.target !== null) {
    if (!/^https?:\/\/[^/\s]+/i.test(opts.target)) {
      throw inputError('--target', `expected an http:// or https:// URL, got ${JSON.stringify(opts.target)}`);
    }
    const t = stripCredentials(opts.target);
    if (t.stripped) warnings.push('--target: the user and password were left out of the script; send credentials in a header that reads ${NAME} from the environment');
    target = t.url;
  }
  const { plan, warnings: planWarnings, tracked } = buildK6Plan({
    scenario,
    profile: transformed,
    tenants,
    slo: opts.slo ?? [],
    target,
    expectedLatencyMs: opts.expectedLatencyMs ?? 100,
    maxVus: opts.maxVus ?? null,
    tenantTags: opts.tenantTags ?? 200,
    scriptName,
    version: VERSION,
    command: opts.command ?? commandLine(['prodshape', 'k6', '--scenario', scenario.name, '--profile', profile.name, '--out', scriptName]),
  });
  const data = plan.tenants !== null && tenants !== null ? buildDataFile(plan, tenants, tracked).text : null;
  return { plan, warnings: [...warnings, ...planWarnings], script: renderK6Script(plan, scriptName), data };
};

export interface K6ExportResult extends K6Rendered {
  scriptFile: string;
  dataFile: string | null;
}

/**
 * Loads the scenario and profile files, the tenant table, and writes the
 * script (`outFile`, which must end in `.ts`) and its data file beside it.
 */
export const exportK6 = async (scenarioFile: string, profileFile: string, outFile: string, opts: K6ExportOptions = {}): Promise<K6ExportResult> => {
  if (!outFile.endsWith('.ts')) {
    throw inputError('--out', `the script is TypeScript: name it *.ts, got ${JSON.stringify(outFile)}`, { hint: 'k6 >= 0.57 runs .ts files directly' });
  }
  const [scenario, profile] = await Promise.all([loadScenario(scenarioFile), loadProfile(profileFile)]);
  const table = (await loadTenantTable({ dataDir: opts.dataDir ?? null, scenario }))?.table ?? null;
  const scriptName = basename(outFile);
  const rendered = renderK6Export(scenario, profile, table, scriptName, opts);
  const scriptFile = resolve(outFile);
  prepareOutputFile(scriptFile, '--out');
  await writeFile(scriptFile, rendered.script);
  let dataFile: string | null = null;
  if (rendered.data !== null && rendered.plan.tenants !== null) {
    dataFile = join(dirname(scriptFile), rendered.plan.tenants.dataFile);
    await writeFile(dataFile, rendered.data);
  }
  return { ...rendered, scriptFile, dataFile };
};
