/**
 * The k6 export's plan: everything the script says, decided before any text is
 * written. Pure: a loaded scenario, a (transformed) profile and a tenant table
 * in; a plan, its warnings and its input problems out. `script.ts` renders it.
 */
import { InputError, type Problem } from '../core/errors.js';
import { SECRET_HEADER } from '../core/secrets.js';
import { expectedArrivals, peakRateRps, profileDurationMs, type Profile } from '../scenario/profile.js';
import type { HttpMethod, Scenario } from '../scenario/scenario.js';
import type { TenantClass } from '../run/format.js';
import { classifyPlaceholder, placeholdersIn } from './placeholders.js';
import { parseSlo, type Slo } from './slo.js';
import { formatK6Duration, profileToK6Arrival, sizeVus, type K6Arrival, type VuSizing } from './stages.js';
import type { TenantTable } from './tenant-table.js';

/** How an endpoint picks its tenant in the script: by rows, uniformly, or not at all. */
export type ScriptTenantPick = 'weighted' | 'uniform' | 'none';

export interface PlannedEndpoint {
  name: string;
  weight: number;
  /** weight / total weight. */
  share: number;
  method: HttpMethod;
  path: string;
  headers: Record<string, string>;
  /** JSON body template, or null. */
  body: unknown;
  tenant: ScriptTenantPick;
  timeoutMs: number;
}

export interface PlannedAction {
  name: string;
  /** Exported function the event scenario runs (`action_deploy`). */
  fn: string;
  method: HttpMethod;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  timeoutMs: number;
}

export interface PlannedEvent {
  /** k6 scenario name (`event_1_deploy`). */
  scenario: string;
  atMs: number;
  action: string;
  fn: string;
}

export interface SkippedEvent { atMs: number; action: string; reason: string }

export interface K6ScriptPlan {
  generator: { name: 'prodshape'; version: string; command: string };
  scenario: { name: string; file: string | null; description: string };
  profile: {
    name: string;
    file: string | null;
    description: string;
    arrival: Profile['arrival'];
    speed: number;
    rateScale: number;
    durationLimitMs: number | null;
    durationMs: number;
    peakRps: number;
    /** prodshape's expected request count for the (transformed) profile. */
    expectedRequests: number;
  };
  arrival: K6Arrival;
  vus: VuSizing;
  /** Longest endpoint timeout: how long k6 waits for in-flight requests at the end. */
  gracefulStopMs: number;
  /** Default target baked into the script (`-e TARGET=` overrides), or null: TARGET is required. */
  target: string | null;
  endpoints: PlannedEndpoint[];
  tenants: {
    source: string;
    count: number;
    totalRows: number;
    /** File name of the data file, beside the script. */
    dataFile: string;
    /** The largest this-many tenants are tagged with their id (`tenant` tag). */
    tagLimit: number;
    classes: Exclude<TenantClass, 'none'>[];
    /** Tables whose id ranges the data file carries (`{orders.id}`). */
    rangeTables: string[];
  } | null;
  actions: PlannedAction[];
  events: PlannedEvent[];
  skippedEvents: SkippedEvent[];
  slos: Slo[];
}

export interface PlanInputs {
  scenario: Scenario;
  /** The profile after --speed/--rate-scale/--duration. */
  profile: Profile;
  tenants: TenantTable | null;
  /** Extra SLO specs from `--slo`. */
  slo: string[];
  target: string | null;
  expectedLatencyMs: number;
  maxVus: number | null;
  tenantTagLimit: number;
  /** Base name of the script (for the data file's name), e.g. `spike.ts`. */
  scriptName: string;
  version: string;
  command: string;
}

export interface PlanResult { plan: K6ScriptPlan; warnings: string[] }

/** Exported function names must be identifiers: `action_` + the name with other characters as `_`. */
const fnName = (prefix: string, name: string, taken: Set<string>): string => {
  const base = `${prefix}${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
  let fn = base;
  for (let i = 2; taken.has(fn); i++) fn = `${base}_${i}`;
  taken.add(fn);
  return fn;
};

const hasHeader = (headers: Record<string, string>, name: string): boolean =>
  Object.keys(headers).some((k) => k.toLowerCase() === name.toLowerCase());

/** The data file's name for a script: `spike.ts` → `spike.data.json`. */
export const dataFileName = (scriptName: string): string => `${scriptName.replace(/\.ts$/, '')}.data.json`;

/**
 * Builds the plan. Throws an InputError listing every problem (unknown
 * placeholders, `{tenant}` without tenants, SLOs on unknown endpoints).
 */
export const buildK6Plan = (inp: PlanInputs): PlanResult => {
  const { scenario, profile } = inp;
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const scenarioProblem = (field: string, message: string): void => {
    problems.push({ file: scenario.file, line: null, field, message });
  };
  if (scenario.endpoints.length === 0) scenarioProblem('endpoints', 'the scenario has no endpoints: the k6 script would send nothing');

  const rangeTables = new Set<string>();
  const totalWeight = scenario.endpoints.reduce((s, e) => s + e.weight, 0);
  const endpoints: PlannedEndpoint[] = scenario.endpoints.map((e, i) => {
    const placeholders = placeholdersIn([e.path, e.headers, e.body]);
    let usesTenant = false;
    for (const p of placeholders) {
      const k = classifyPlaceholder(p);
      if (k.kind === 'unsupported') scenarioProblem(`endpoints[${i}]`, k.why);
      else {
        usesTenant = true;
        if (k.kind === 'range') rangeTables.add(k.table);
      }
    }
    const headers = { ...e.headers };
    if (e.body !== undefined && e.body !== null && !hasHeader(headers, 'content-type')) headers['Content-Type'] = 'application/json';
    for (const [k, v] of Object.entries(headers)) {
      if (SECRET_HEADER.test(k) && !v.includes('${')) {
        warnings.push(`endpoint ${e.name}: header ${k} is written into the script as is; use \${NAME} in the scenario to read it from the environment instead`);
      }
    }
    return {
      name: e.name,
      weight: e.weight,
      share: totalWeight > 0 ? e.weight / totalWeight : 0,
      method: e.method,
      path: e.path,
      headers,
      body: e.body ?? null,
      tenant: usesTenant ? e.tenant : 'none',
      timeoutMs: e.timeoutMs ?? scenario.timeoutMs,
    };
  });

  const needsTenants = endpoints.some((e) => e.tenant !== 'none');
  const table = inp.tenants;
  if (needsTenants && (table === null || table.tenants.length === 0)) {
    scenarioProblem('tenants', table === null
      ? 'endpoints use {tenant} but there are no tenants: pass --data DIR (a dataset from `prodshape generate`) or add a `tenants:` section (csv or manifest)'
      : `endpoints use {tenant} but ${table.source} lists no tenants`);
  }
  const totalRows = table?.tenants.reduce((s, t) => s + t.rows, 0) ?? 0;
  if (needsTenants && table !== null && table.tenants.length > 0 && totalRows === 0 && endpoints.some((e) => e.tenant === 'weighted')) {
    scenarioProblem('tenants', `every tenant in ${table.source} has 0 rows: none can be picked by popularity (use \`tenant: uniform\` on the endpoint)`);
  }
  for (const t of rangeTables) {
    if (table !== null && !table.tenants.some((x) => x.ranges?.[t] !== undefined)) {
      scenarioProblem('endpoints', `{${t}.id} needs the id ranges of table "${t}" per tenant, and ${table.source} has none (generate the dataset with prodshape generate, which records them)`);
    }
  }

  const slos: Slo[] = [];
  const sloSources: { spec: string; field: string; file: string | null }[] = [
    ...scenario.slo.map((s, i) => ({ spec: s, field: `slo[${i}]`, file: scenario.file })),
    ...inp.slo.map((s) => ({ spec: s, field: '--slo', file: null })),
  ];
  for (const src of sloSources) {
    try {
      const slo = parseSlo(src.spec, { field: src.field, file: src.file });
      if (slo.endpoint !== null && !endpoints.some((e) => e.name === slo.endpoint)) {
        problems.push({ file: src.file, line: null, field: src.field, message: `SLO "${src.spec}" names endpoint "${slo.endpoint}", which the scenario does not have (endpoints: ${endpoints.map((e) => e.name).join(', ')})` });
      } else if (!slos.some((s) => s.spec === slo.spec)) slos.push(slo);
    } catch (e) {
      if (e instanceof InputError) problems.push(...e.problems);
      else throw e;
    }
  }

  const taken = new Set<string>(['traffic', 'setup', 'teardown', 'options', 'handleSummary']);
  const actions: PlannedAction[] = [];
  const events: PlannedEvent[] = [];
  const skippedEvents: SkippedEvent[] = [];
  profile.events.forEach((ev, i) => {
    const action = scenario.actions[ev.action];
    const at = formatK6Duration(ev.atMs);
    if (action === undefined) {
      const reason = `the scenario defines no action "${ev.action}"`;
      skippedEvents.push({ atMs: ev.atMs, action: ev.action, reason });
      warnings.push(`event ${ev.action} at ${at} skipped: ${reason}`);
      return;
    }
    if (action.kind === 'run') {
      const reason = `shell actions cannot run inside k6 (run: ${JSON.stringify(action.command)}); run it yourself at ${at}, or give the action an http hook`;
      skippedEvents.push({ atMs: ev.atMs, action: ev.action, reason });
      warnings.push(`event ${ev.action} at ${at} skipped: ${reason}`);
      return;
    }
    let planned = actions.find((a) => a.name === ev.action);
    if (planned === undefined) {
      for (const p of placeholdersIn([action.path, action.headers, action.body])) {
        scenarioProblem(`actions.${ev.action}`, `{${p.text}}: action hooks are sent as written, without placeholders`);
      }
      const headers = { ...action.headers };
      if (action.body !== undefined && action.body !== null && !hasHeader(headers, 'content-type')) headers['Content-Type'] = 'application/json';
      planned = {
        name: ev.action, fn: fnName('action_', ev.action, taken), method: action.method, path: action.path,
        headers, body: action.body ?? null, timeoutMs: action.timeoutMs,
      };
      actions.push(planned);
    }
    events.push({ scenario: `event_${i + 1}_${ev.action.replace(/[^A-Za-z0-9_-]/g, '_')}`, atMs: ev.atMs, action: ev.action, fn: planned.fn });
  });

  if (problems.length > 0) throw new InputError(problems);

  const arrival = profileToK6Arrival(profile);
  if (arrival.rateRoundingError > 0) {
    warnings.push(`rates were rounded to whole iterations per ${arrival.timeUnit} (largest error ${(arrival.rateRoundingError * 100).toFixed(3)}%)`);
  }
  const peakRps = peakRateRps(profile);
  const classes = [...new Set(table?.tenants.map((t) => t.tenantClass) ?? [])];
  return {
    warnings,
    plan: {
      generator: { name: 'prodshape', version: inp.version, command: inp.command },
      scenario: { name: scenario.name, file: scenario.file, description: scenario.description },
      profile: {
        name: profile.name,
        file: profile.file,
        description: profile.description,
        arrival: profile.arrival,
        speed: profile.applied.speed,
        rateScale: profile.applied.rateScale,
        durationLimitMs: profile.applied.durationLimitMs,
        durationMs: profileDurationMs(profile),
        peakRps,
        expectedRequests: expectedArrivals(profile),
      },
      arrival,
      vus: sizeVus(peakRps, inp.expectedLatencyMs, inp.maxVus),
      gracefulStopMs: Math.max(...endpoints.map((e) => e.timeoutMs), 1000),
      target: inp.target,
      endpoints,
      tenants: needsTenants && table !== null
        ? {
          source: table.source,
          count: table.tenants.length,
          totalRows,
          dataFile: dataFileName(inp.scriptName),
          tagLimit: inp.tenantTagLimit,
          classes: (['top1', 'top10', 'rest', 'empty'] as const).filter((c) => classes.includes(c)),
          rangeTables: [...rangeTables].sort(),
        }
        : null,
      actions,
      events,
      skippedEvents,
      slos,
    },
  };
};

/**
 * The data file the script loads with SharedArray: every tenant as
 * `[cumulative rows, id, class index, rows, ranges?]`, largest first.
 * `classes` maps the class index to its name.
 */
export const buildDataFile = (plan: K6ScriptPlan, table: TenantTable): { text: string; tenants: number } => {
  const classes = ['top1', 'top10', 'rest', 'empty'];
  const wanted = new Set(plan.tenants?.rangeTables ?? []);
  let cumulative = 0;
  const lines = table.tenants.map((t) => {
    cumulative += t.rows;
    const row: unknown[] = [cumulative, t.id, classes.indexOf(t.tenantClass), t.rows];
    if (wanted.size > 0) {
      const ranges: Record<string, [number, number]> = {};
      for (const tbl of wanted) {
        const r = t.ranges?.[tbl];
        if (r !== undefined) ranges[tbl] = r;
      }
      row.push(ranges);
    }
    return JSON.stringify(row);
  });
  const header = {
    format: 'prodshape-k6-data',
    version: 1,
    generated_by: `prodshape ${plan.generator.version}`,
    scenario: plan.scenario.name,
    source: table.source,
    classes,
    row: '[cumulative rows, tenant id, class index, rows, {table: [first id, count]}?]',
  };
  // One tenant per line keeps a multi-megabyte file diffable and greppable.
  const head = JSON.stringify(header).slice(0, -1);
  return { text: `${head},\n"tenants": [\n${lines.join(',\n')}\n]}\n`, tenants: lines.length };
};
