/**
 * Scenario + profile + tenants → planned requests: the arrival times of the
 * profile, each given an endpoint (by weight), a tenant (by rows or
 * uniformly) and filled templates. Pure given the seed; one share of the
 * plan per worker (see arrivals.ts for why the split is exact).
 *
 * Random streams are named per share (`arrivals/0of2`, `requests/0of2`), so a
 * seed reproduces a run for a given number of workers.
 */
import { createRng } from '../core/rng.js';
import { parseScenario, type Scenario } from '../scenario/scenario.js';
import type { ArrivalProcess, Stage } from '../scenario/profile.js';
import { arrivalTimes, WHOLE_PLAN, type PlanShare } from './arrivals.js';
import type { PlannedRequest } from './plan.js';
import { compileScenarioRequests, fillRequest, type RequestTemplate } from './template.js';
import { createTenantPicker, loadTenantTable, upperBound, type TenantPicker, type TenantTable } from './tenants.js';

/** Everything a scenario plan needs, already loaded and compiled. */
export interface ScenarioPlanInput {
  templates: RequestTemplate[];
  tenants: TenantTable | null;
  profile: { arrival: ArrivalProcess; stages: readonly Stage[] };
  seed: number | string;
}

/** Planned requests for one share of the plan, sorted by `atMs`. */
export function* scenarioPlan(input: ScenarioPlanInput, share: PlanShare = WHOLE_PLAN): Generator<PlannedRequest, void, undefined> {
  const tag = `${share.index}of${share.count}`;
  const arrivals = arrivalTimes(input.profile, createRng(input.seed, `arrivals/${tag}`), share);
  const rng = createRng(input.seed, `requests/${tag}`);
  const { templates, tenants } = input;
  const cumWeights = new Float64Array(templates.length);
  let total = 0;
  templates.forEach((t, i) => {
    total += t.weight;
    cumWeights[i] = total;
  });
  const pickers: (TenantPicker | null)[] = templates.map((t) =>
    t.tenant === null || tenants === null ? null : createTenantPicker(tenants, t.tenant, t.tables),
  );
  const ctx = { rng, tenant: null as TenantTable['tenants'][number] | null, seq: 0 };
  for (const atMs of arrivals) {
    const e = templates.length === 1 ? 0 : Math.min(templates.length - 1, upperBound(cumWeights, rng() * total));
    const t = templates[e] as RequestTemplate;
    const picker = pickers[e];
    let ti = -1;
    if (picker != null && tenants !== null) {
      ti = picker.pick(rng());
      ctx.tenant = tenants.tenants[ti] ?? null;
    } else {
      ctx.tenant = null;
    }
    const filled = fillRequest(t, ctx);
    ctx.seq++;
    const req: PlannedRequest = {
      atMs,
      endpoint: t.endpoint,
      method: t.method,
      path: filled.path,
      tenant: ctx.tenant?.id ?? null,
      tenantClass: ti >= 0 && tenants !== null ? (tenants.classes[ti] ?? 'none') : 'none',
    };
    if (filled.headers !== undefined) req.headers = filled.headers;
    if (filled.body !== undefined) req.body = filled.body;
    if (t.timeoutMs !== null) req.timeoutMs = t.timeoutMs;
    yield req;
  }
}

/** Serializable inputs of a scenario plan, for worker threads (each re-loads files itself). */
export interface ScenarioPlanArgs {
  /** Scenario file (relative paths resolve against it), or null with `scenarioText`. */
  scenarioFile: string | null;
  scenarioText: string;
  profile: { arrival: ArrivalProcess; stages: Stage[] };
  dataDir: string | null;
  seed: number | string;
}

/** Loads and compiles a scenario plan's inputs (scenario text, tenants, templates). */
export const loadScenarioPlanInput = async (args: ScenarioPlanArgs, scenario?: Scenario): Promise<ScenarioPlanInput> => {
  const sc = scenario ?? parseScenario(args.scenarioText, args.scenarioFile);
  const loaded = await loadTenantTable({ dataDir: args.dataDir, scenario: sc });
  const tenants = loaded?.table ?? null;
  return { templates: compileScenarioRequests(sc, tenants), tenants, profile: args.profile, seed: args.seed };
};

/**
 * Plan factory (the `PlanRecipe` export used by the engine and its workers):
 * loads the inputs and returns this share's planned requests.
 */
export const scenarioPlanFactory = async (args: ScenarioPlanArgs, share: PlanShare): Promise<Iterable<PlannedRequest>> =>
  scenarioPlan(await loadScenarioPlanInput(args), share);
