/**
 * The k6 export's plan: everything the script says, decided before any text is
 * written. Pure: a loaded scenario, a (transformed) profile and a tenant table
 * in; a plan, its warnings and its input problems out. `script.ts` renders it.
 *
 * Templates and tenants follow `prodshape replay` exactly: the scenario's
 * requests are validated by the engine's own template compiler
 * (traffic/template.ts), and tenants are classified, picked and tracked with
 * traffic/tenants.ts; the script re-implements only the per-request filling,
 * which must run inside k6.
 */
import { InputError, type Problem } from '../core/errors.js';
import { createRng } from '../core/rng.js';
import { SECRET_HEADER } from '../core/secrets.js';
import { fmtPct } from '../core/numbers.js';
import { eventsForActions, expectedArrivals, peakRateRps, profileDurationMs, type Profile } from '../scenario/profile.js';
import type { HttpMethod, Scenario, TenantPick } from '../scenario/scenario.js';
import { compileScenarioRequests } from '../traffic/template.js';
import { createTenantPicker, trackedTenantIndexes, type TenantTable } from '../traffic/tenants.js';
import type { TenantClass } from '../run/format.js';
import { parseSlo, type SloSpec } from '../scenario/slo.js';
import { thresholdMetric } from './slo.js';
import { formatK6Duration, profileToK6Arrival, sizeVus, type K6Arrival, type VuSizing } from './stages.js';

/** A way of picking tenants: by rows or uniformly, among the tenants that have ids in `tables`. */
export interface TenantPicker { mode: TenantPick; tables: string[] }

/** An HTTP request as the script sends it (an endpoint's or an action's). */
export interface PlannedHttp {
  method: HttpMethod;
  /** Templates as written in the scenario (the script compiles them). */
  path: string;
  headers: Record<string, string>;
  /** A JSON body template, a text body template, or none. */
  body: { json: unknown } | { text: string } | null;
  timeoutMs: number;
}

export interface PlannedEndpoint extends PlannedHttp {
  name: string;
  weight: number;
  /** weight / total weight. */
  share: number;
  /** Index into the plan's `pickers`, or null when nothing in the request names a tenant. */
  picker: number | null;
}

export interface PlannedAction extends PlannedHttp {
  name: string;
  /** Exported function the event scenario runs (`action_deploy`). */
  fn: string;
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
  /** The distinct ways endpoints pick tenants; the data file has one cumulative column per picker. */
  pickers: TenantPicker[];
  tenants: {
    /** Where the table came from (`manifest:PATH` or `csv:PATH`). */
    source: string;
    count: number;
    totalRows: number;
    /** File name of the data file, beside the script. */
    dataFile: string;
    /** Tenants tagged with their id (`tenant` tag): the heaviest, and samples of the small and empty ones. */
    tracked: number;
    classes: Exclude<TenantClass, 'none'>[];
    /** Tables whose id ranges the data file carries (`{orders.id}`). */
    rangeTables: string[];
  } | null;
  actions: PlannedAction[];
  events: PlannedEvent[];
  skippedEvents: SkippedEvent[];
  slos: SloSpec[];
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
  /** How many of the heaviest tenants are tracked (tagged by id), as replay's per-tenant histograms. */
  tenantTags: number;
  /** Base name of the script (for the data file's name), e.g. `spike.ts`. */
  scriptName: string;
  version: string;
  command: string;
}

export interface PlanResult {
  plan: K6ScriptPlan;
  warnings: string[];
  /** Indexes (into the tenant table) of the tenants tagged by id. */
  tracked: number[];
}

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

const bodyOf = (body: unknown): PlannedEndpoint['body'] =>
  body === undefined || body === null ? null : typeof body === 'string' ? { text: body } : { json: body };

/** The data file's name for a script: `spike.ts` (or `spike.js`) → `spike.data.json`. */
export const dataFileName = (scriptName: string): string => `${scriptName.replace(/\.[jt]s$/, '')}.data.json`;

/**
 * Every `${NAME}` resolves at export: the script reads the real values from
 * k6's environment when it starts, so the export never needs (or sees) them.
 */
const EXPORT_ENV: NodeJS.ProcessEnv = new Proxy({}, { get: () => 'k6' });

/** What the plan's parts collect while they are built: every problem (thrown together at the end) and warning. */
interface PlanBuild {
  problems: Problem[];
  warnings: string[];
  /** Distinct tenant pickers; an endpoint refers to one by index. */
  pickers: TenantPicker[];
}

/** The index of the picker for `mode` over `tables`, added when new. */
const pickerOf = (b: PlanBuild, mode: TenantPick, tables: string[]): number => {
  const key = JSON.stringify([mode, [...tables].sort()]);
  const i = b.pickers.findIndex((p) => JSON.stringify([p.mode, [...p.tables].sort()]) === key);
  if (i >= 0) return i;
  b.pickers.push({ mode, tables: [...tables].sort() });
  return b.pickers.length - 1;
};

type CompiledRequests = ReturnType<typeof compileScenarioRequests>;

/** The engine's compiler: unknown placeholders, {tenant} without tenants, {TABLE.id} without ranges. */
const compileTemplates = (b: PlanBuild, scenario: Scenario, table: TenantTable | null): CompiledRequests => {
  try {
    return compileScenarioRequests(scenario, table, EXPORT_ENV);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    b.problems.push(...e.problems);
    return [];
  }
};

/** The scenario's endpoints with their tenant picker; warns of secret headers written as is. */
const plannedEndpoints = (b: PlanBuild, scenario: Scenario, table: TenantTable | null, templates: CompiledRequests): PlannedEndpoint[] => {
  const totalWeight = scenario.endpoints.reduce((s, e) => s + e.weight, 0);
  return scenario.endpoints.map((e, i) => {
    const t = templates[i];
    let picker: number | null = null;
    if (t?.tenant != null && table !== null) {
      try {
        createTenantPicker(table, t.tenant, t.tables);
        picker = pickerOf(b, t.tenant, t.tables);
      } catch (err) {
        b.problems.push({ file: scenario.file, line: null, field: `endpoints[${i}]`, message: `cannot pick a tenant: ${(err as Error).message}` });
      }
    }
    const headers = { ...e.headers };
    if (e.body !== undefined && e.body !== null && typeof e.body !== 'string' && !hasHeader(headers, 'content-type')) headers['content-type'] = 'application/json';
    for (const [k, v] of Object.entries(headers)) {
      if (SECRET_HEADER.test(k) && !v.includes('${')) {
        b.warnings.push(`endpoint ${e.name}: header ${k} is written into the script as is; use \${NAME} in the scenario to read it from the environment instead`);
      }
    }
    return {
      name: e.name, weight: e.weight, share: totalWeight > 0 ? e.weight / totalWeight : 0, method: e.method, path: e.path,
      headers, body: bodyOf(e.body), picker, timeoutMs: e.timeoutMs ?? scenario.timeoutMs,
    };
  });
};

/** The scenario's and `--slo` SLOs, each once; an SLO on an unknown endpoint is a problem. */
const plannedSlos = (b: PlanBuild, scenario: Scenario, extra: string[], endpoints: PlannedEndpoint[]): SloSpec[] => {
  const slos: SloSpec[] = [];
  const sloSources = [
    ...scenario.slo.map((s, i) => ({ spec: s, field: `slo[${i}]`, file: scenario.file })),
    ...extra.map((s) => ({ spec: s, field: '--slo', file: null })),
  ];
  for (const src of sloSources) {
    const slo = parseSlo(src.spec);
    if (typeof slo === 'string') b.problems.push({ file: src.file, line: null, field: src.field, message: slo });
    else if (slo.endpoint !== null && !endpoints.some((e) => e.name === slo.endpoint)) {
      b.problems.push({ file: src.file, line: null, field: src.field, message: `SLO "${src.spec}" names endpoint "${slo.endpoint}", which the scenario does not have (endpoints: ${endpoints.map((e) => e.name).join(', ')})` });
    } else if (!slos.some((s) => s.spec === slo.spec)) {
      slos.push(slo);
      if (thresholdMetric(slo) === null) b.warnings.push(`SLO ${slo.spec} has no k6 threshold (k6 does not say which endpoint a dropped iteration was for); prodshape's report checks it after the import`);
    }
  }
  return slos;
};

/** The profile's events as k6 scenarios, each calling its action's function (one per action). */
interface PlannedEvents { actions: PlannedAction[]; events: PlannedEvent[]; skippedEvents: SkippedEvent[] }

/** The planned action of an HTTP hook, made once per action. */
const plannedAction = (actions: PlannedAction[], name: string, action: Scenario['actions'][string] & { kind: 'http' }, taken: Set<string>): PlannedAction => {
  const known = actions.find((a) => a.name === name);
  if (known !== undefined) return known;
  const planned: PlannedAction = {
    name, fn: fnName('action_', name, taken), method: action.method, path: action.path,
    headers: { ...action.headers }, body: bodyOf(action.body), timeoutMs: action.timeoutMs,
  };
  if (planned.body !== null && 'json' in planned.body && !hasHeader(planned.headers, 'content-type')) planned.headers['content-type'] = 'application/json';
  actions.push(planned);
  return planned;
};

const plannedEvents = (b: PlanBuild, scenario: Scenario, profile: Profile): PlannedEvents => {
  const taken = new Set<string>(['traffic', 'setup', 'teardown', 'options', 'handleSummary']);
  const out: PlannedEvents = { actions: [], events: [], skippedEvents: [] };
  const actionNames = Object.keys(scenario.actions);
  const { skipped } = eventsForActions(profile.events, actionNames);
  for (const ev of skipped) b.warnings.push(`event ${ev.action} at ${formatK6Duration(ev.atMs)} skipped: optional, and the scenario defines no ${ev.action} action`);
  profile.events.forEach((ev, i) => {
    if (skipped.includes(ev)) return;
    const action = scenario.actions[ev.action];
    const at = formatK6Duration(ev.atMs);
    if (action === undefined) {
      // As replay does: a profile event must name one of the scenario's actions.
      b.problems.push({
        file: profile.file, line: null, field: `events[${i}].action`,
        message: `no action named "${ev.action}" in the scenario${scenario.file ? ` (${scenario.file})` : ''}; it defines: ${actionNames.join(', ') || '(none)'}`,
      });
      return;
    }
    if (action.kind === 'run') {
      const reason = `shell actions cannot run inside k6 (run: ${JSON.stringify(action.command)}); run it yourself at ${at}, or give the action an http hook`;
      out.skippedEvents.push({ atMs: ev.atMs, action: ev.action, reason });
      b.warnings.push(`event ${ev.action} at ${at} skipped: ${reason}`);
      return;
    }
    const planned = plannedAction(out.actions, ev.action, action, taken);
    out.events.push({ scenario: `event_${i + 1}_${ev.action.replace(/[^A-Za-z0-9_-]/g, '_')}`, atMs: ev.atMs, action: ev.action, fn: planned.fn });
  });
  return out;
};

/** The profile's part of the plan: its names, time settings, length, peak rate and expected requests. */
const plannedProfile = (profile: Profile, peakRps: number): K6ScriptPlan['profile'] => ({
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
});

/**
 * Builds the plan. Throws an InputError listing every problem (the same
 * template and tenant problems `prodshape replay` reports, SLOs on unknown
 * endpoints, events naming no action).
 */
export const buildK6Plan = (inp: PlanInputs): PlanResult => {
  const { scenario, profile } = inp;
  const table = inp.tenants;
  const b: PlanBuild = { problems: [], warnings: [], pickers: [] };
  const templates = compileTemplates(b, scenario, table);
  const endpoints = plannedEndpoints(b, scenario, table, templates);
  const rangeTables = [...new Set(b.pickers.flatMap((p) => p.tables).concat(templates.flatMap((t) => t.tables)))].sort();
  const slos = plannedSlos(b, scenario, inp.slo, endpoints);
  const { actions, events, skippedEvents } = plannedEvents(b, scenario, profile);
  if (b.problems.length > 0) throw new InputError(b.problems);

  const { warnings, pickers } = b;
  const arrival = profileToK6Arrival(profile);
  if (arrival.rateRoundingError > 0) {
    warnings.push(`rates were rounded to whole iterations per ${arrival.timeUnit} (largest error ${fmtPct(arrival.rateRoundingError, 3)})`);
  }
  const usesTenants = pickers.length > 0 && table !== null;
  // Replay tracks the same tenants (app/replay.ts): the heaviest, plus seeded samples of small and empty ones.
  const tracked = usesTenants && inp.tenantTags > 0 ? trackedTenantIndexes(table, createRng(0, 'tracked-tenants'), { heavy: inp.tenantTags }) : [];
  const peakRps = peakRateRps(profile);
  const classes = new Set(table?.classes ?? []);
  return {
    warnings,
    tracked,
    plan: {
      generator: { name: 'prodshape', version: inp.version, command: inp.command },
      scenario: { name: scenario.name, file: scenario.file, description: scenario.description },
      profile: plannedProfile(profile, peakRps),
      arrival,
      vus: sizeVus(peakRps, inp.expectedLatencyMs, inp.maxVus),
      gracefulStopMs: Math.max(...endpoints.map((e) => e.timeoutMs), 1000),
      target: inp.target,
      endpoints,
      pickers,
      tenants: usesTenants
        ? {
          source: table.source,
          count: table.tenants.length,
          totalRows: table.totalRows,
          dataFile: dataFileName(inp.scriptName),
          tracked: tracked.length,
          classes: (['top1', 'top10', 'rest', 'empty'] as const).filter((c) => classes.has(c)),
          rangeTables,
        }
        : null,
      actions,
      events,
      skippedEvents,
      slos,
    },
  };
};

/** Size classes in the order the data file numbers them. */
export const DATA_CLASSES = ['top1', 'top10', 'rest', 'empty', 'none'] as const;

/**
 * The data file the script loads with SharedArray: every tenant as
 * `[id, class index, rows, tracked (0/1), id ranges or null, cumulative weight per picker…]`,
 * largest first. A picker's column is non-decreasing: the running sum of the
 * tenant's weight for that picker (its rows, or 1 for uniform; 0 when it lacks
 * ids in a table the endpoint needs), so one binary search picks a tenant.
 */
export const buildDataFile = (plan: K6ScriptPlan, table: TenantTable, tracked: readonly number[]): { text: string; tenants: number } => {
  const wanted = plan.tenants?.rangeTables ?? [];
  const isTracked = new Set(tracked);
  const sums = plan.pickers.map(() => 0);
  const lines = table.tenants.map((t, i) => {
    let ranges: Record<string, [number, number]> | null = null;
    for (const tbl of wanted) {
      const r = t.ranges?.[tbl];
      if (r !== undefined) (ranges ??= {})[tbl] = r;
    }
    const cumulative = plan.pickers.map((p, k) => {
      const qualifies = p.tables.every((tb) => (t.ranges?.[tb]?.[1] ?? 0) > 0);
      sums[k] = (sums[k] ?? 0) + (qualifies ? (p.mode === 'uniform' ? 1 : t.rows) : 0);
      return sums[k];
    });
    const cls = DATA_CLASSES.indexOf(table.classes[i] ?? 'rest');
    return JSON.stringify([t.id, cls, t.rows, isTracked.has(i) ? 1 : 0, ranges, ...cumulative]);
  });
  const header = {
    format: 'prodshape-k6-data',
    version: 1,
    generated_by: `prodshape ${plan.generator.version}`,
    scenario: plan.scenario.name,
    source: table.source,
    classes: DATA_CLASSES,
    pickers: plan.pickers,
    row: '[tenant id, class index, rows, tracked, {table: [first id, count]} or null, cumulative weight per picker...]',
  };
  // One tenant per line keeps a multi-megabyte file diffable and greppable.
  const head = JSON.stringify(header).slice(0, -1);
  return { text: `${head},\n"tenants": [\n${lines.join(',\n')}\n]}\n`, tenants: lines.length };
};
