/**
 * A dataset ready to make: a scenario's data spec with its plan (counts,
 * ages, ranks), faker pools and compiled tables, for one seed and scale.
 * Everything here is decided before any row is made, and is deterministic.
 */
import { createHash } from 'node:crypto';
import { inputError } from '../core/errors.js';
import { resolveNamed } from '../core/paths.js';
import { loadScenario, type Scenario } from '../scenario/scenario.js';
import type { DataSpec } from '../scenario/data-spec.js';
import { planData, type DataPlan } from './plan.js';
import { buildPools, type Pools } from './pools.js';
import { compileDataset, type CompiledTable } from './columns.js';

/** Seed used when none is given (runs are reproducible by default). */
export const DEFAULT_SEED = 1;

export interface Dataset {
  scenario: string;
  spec: DataSpec;
  seed: number | string;
  scale: number;
  /** 16 hex digits of SHA-256 over the scenario's `data:` section (canonical JSON). */
  scenarioHash: string;
  plan: DataPlan;
  pools: Pools;
  tables: CompiledTable[];
}

export interface DatasetOptions {
  /** Seed of every random choice (default 1). */
  seed?: number | string;
  /** Multiplies each table's rows (default 1). */
  scale?: number;
}

/** JSON with object keys sorted, so equal values always hash the same. */
const canonicalJson = (v: unknown): string => {
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
};

/** Hash of a data section, recorded in manifests to tell which spec made a dataset. */
export const dataSpecHash = (spec: DataSpec): string => createHash('sha256').update(canonicalJson(spec.raw)).digest('hex').slice(0, 16);

/** Loads a scenario given as a Scenario, a path or a bare name (looked up like `--scenario`). */
export const scenarioOf = async (scenario: Scenario | string): Promise<Scenario> =>
  typeof scenario === 'string' ? loadScenario(resolveNamed('scenarios', scenario, '--scenario')) : scenario;

/** Plans, builds pools and compiles a scenario's dataset (no rows are made yet). */
export const prepareDataset = async (scenarioIn: Scenario | string, opts: DatasetOptions = {}): Promise<Dataset> => {
  const scenario = await scenarioOf(scenarioIn);
  const spec = scenario.data;
  if (spec === null) {
    throw inputError('data', 'this scenario has no `data:` section, so there is nothing to generate', {
      file: scenario.file, hint: 'add a data: section (docs/generate.md), or use --scenario saas-orders',
    });
  }
  const seed = opts.seed ?? DEFAULT_SEED;
  const scale = opts.scale ?? 1;
  if (!(scale > 0) || !Number.isFinite(scale)) throw inputError('--scale', `expected a number > 0, got ${scale}`);
  const plan = planData(spec, seed, scale);
  const pools = await buildPools(plan);
  return { scenario: scenario.name, spec, seed, scale, scenarioHash: dataSpecHash(spec), plan, pools, tables: compileDataset(plan, pools) };
};

/** The compiled table named `name`; throws an InputError listing the tables otherwise. */
export const tableOf = (ds: Dataset, name: string): CompiledTable => {
  const t = ds.tables.find((x) => x.name === name);
  if (t === undefined) throw inputError('table', `no table "${name}" in this dataset; tables: ${ds.tables.map((x) => x.name).join(', ')}`);
  return t;
};
