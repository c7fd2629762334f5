/**
 * `prodshape k6`: a scenario and a profile in, a k6 script (TypeScript, or
 * JavaScript for older k6) and its tenant data file out. Loading and writing happen here; deciding (plan.ts)
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
import { toK6JavaScript } from './bundle.js';
import { k6ScriptHeader, renderK6Script, type K6ScriptFormat } from './script.js';
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
  /** `ts` (default) or `js`; exportK6 takes it from the script's extension when unset. */
  format?: K6ScriptFormat;
}

export interface K6Rendered {
  plan: K6ScriptPlan;
  warnings: string[];
  /** The script as TypeScript (with `format: 'js'`, its header says how to run the JavaScript form). */
  script: string;
  /** The script's header comment. */
  header: string;
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
  const format = opts.format ?? 'ts';
  return {
    plan, warnings: [...warnings, ...planWarnings], script: renderK6Script(plan, scriptName, format),
    header: k6ScriptHeader(plan, scriptName, format).join('\n'), data,
  };
};

export interface K6ExportResult extends K6Rendered {
  /** What was written: TypeScript, or the JavaScript form for a `.js` script. */
  script: string;
  scriptFile: string;
  dataFile: string | null;
}

/** The script's format: `--format`, else its extension; they must agree. */
export const scriptFormat = (outFile: string, format: K6ScriptFormat | undefined): K6ScriptFormat => {
  const ext = /\.([jt]s)$/.exec(outFile)?.[1] as K6ScriptFormat | undefined;
  if (ext === undefined) {
    throw inputError('--out', `name the script *.ts (TypeScript) or *.js (JavaScript), got ${JSON.stringify(outFile)}`, { hint: 'k6 >= 0.57 runs .ts files directly; older k6 needs .js' });
  }
  if (format !== undefined && format !== ext) {
    throw inputError('--format', `--format ${format} writes a .${format} script, but --out is ${JSON.stringify(outFile)}`, { hint: `name it *.${format}` });
  }
  return ext;
};

/**
 * Loads the scenario and profile files, the tenant table, and writes the
 * script (`outFile`: `*.ts`, or `*.js` for the JavaScript form) and its data
 * file beside it.
 */
export const exportK6 = async (scenarioFile: string, profileFile: string, outFile: string, opts: K6ExportOptions = {}): Promise<K6ExportResult> => {
  const format = scriptFormat(outFile, opts.format);
  const [scenario, profile] = await Promise.all([loadScenario(scenarioFile), loadProfile(profileFile)]);
  const table = (await loadTenantTable({ dataDir: opts.dataDir ?? null, scenario }))?.table ?? null;
  const scriptName = basename(outFile);
  const rendered = renderK6Export(scenario, profile, table, scriptName, { ...opts, format });
  const script = format === 'js' ? await toK6JavaScript(rendered.script, rendered.header) : rendered.script;
  const scriptFile = resolve(outFile);
  prepareOutputFile(scriptFile, '--out');
  await writeFile(scriptFile, script);
  let dataFile: string | null = null;
  if (rendered.data !== null && rendered.plan.tenants !== null) {
    dataFile = join(dirname(scriptFile), rendered.plan.tenants.dataFile);
    await writeFile(dataFile, rendered.data);
  }
  return { ...rendered, script, scriptFile, dataFile };
};
