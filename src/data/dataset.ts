/**
 * A dataset ready to make: a scenario's data spec with its plan (counts,
 * ages, ranks), faker pools and compiled tables, for one seed and scale.
 * Everything here is decided before any row is made, and is deterministic.
 */
import { createHash } from 'node:crypto';
import { inputError } from '../core/errors.js';
import { resolveNamed } from '../core/paths.js';
import { loadScenario, type Scenario } from '../scenario/scenario.js';
import type { DataSpec, TableSpec } from '../scenario/data-spec.js';
import { planData, type DataPlan } from './plan.js';
import { buildPools, type Pools } from './pools.js';
import { compileDataset, type CompiledTable } from './columns.js';
import { tableOf, type Dataset } from './compiled.js';
import { startWorker } from './workers.js';
import type { Worker } from 'node:worker_threads';

/** Seed used when none is given (runs are reproducible by default). */
export const DEFAULT_SEED = 1;

export { tableOf, type Dataset } from './compiled.js';

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

const planOf = async (scenarioIn: Scenario | string, opts: DatasetOptions): Promise<{ scenario: Scenario; spec: DataSpec; plan: DataPlan; seed: number | string; scale: number }> => {
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
  return { scenario, spec, plan: planData(spec, seed, scale), seed, scale };
};

const assemble = (p: Awaited<ReturnType<typeof planOf>>, pools: Pools): Dataset => ({
  scenario: p.scenario.name, spec: p.spec, seed: p.seed, scale: p.scale, scenarioHash: dataSpecHash(p.spec), plan: p.plan, pools,
  tables: compileDataset(p.plan, pools),
});

/** Plans, builds pools and compiles a scenario's dataset (no rows are made yet). */
export const prepareDataset = async (scenarioIn: Scenario | string, opts: DatasetOptions = {}): Promise<Dataset> => {
  const p = await planOf(scenarioIn, opts);
  return assemble(p, await buildPools(p.plan));
};

/** True when a table has faker columns (it needs the pools). */
export const needsPools = (t: TableSpec): boolean => t.columns.some((c) => c.kind === 'faker');

/**
 * A dataset whose faker pools are still being built on a worker thread:
 * `draft` has every table, but only those without faker columns may make rows
 * (the others are compiled against placeholder pools); `tableReady` gives a
 * table as soon as its own pools are done; `ready` gives the whole dataset.
 * Lets a load start with the tables that need no pools (or whose pools are done).
 */
export interface DraftDataset {
  draft: Dataset;
  tableReady: (name: string) => Promise<CompiledTable>;
  ready: Promise<Dataset>;
  /** Stops building the pools (after a failure elsewhere), so the process can exit. */
  cancel(): Promise<void>;
}

/** Like prepareDataset, with the pools built in the background (see DraftDataset). */
export const prepareDatasetInBackground = async (scenarioIn: Scenario | string, opts: DatasetOptions = {}): Promise<DraftDataset> => {
  const p = await planOf(scenarioIn, opts);
  const fakerTables = p.plan.tables.filter((t) => needsPools(t.spec));
  if (fakerTables.length === 0) {
    const ds = assemble(p, {});
    return { draft: ds, tableReady: (name) => Promise.resolve(tableOf(ds, name)), ready: Promise.resolve(ds), cancel: () => Promise.resolve() };
  }
  const placeholder: Pools = {};
  for (const t of fakerTables) for (const c of t.spec.columns) if (c.kind === 'faker') placeholder[`${t.spec.name}.${c.name}`] = { text: [''], csv: [''], json: ['null'], sqlType: 'text' };
  const draft = assemble(p, placeholder);
  const got: Pools = {};
  const waiting = new Map(fakerTables.map((t) => {
    let resolve: () => void = () => undefined;
    let reject: (e: unknown) => void = () => undefined;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    done.catch(() => undefined);
    return [t.spec.name, { done, resolve, reject }] as const;
  }));
  const arrived = (table: string, pools: Pools): void => {
    Object.assign(got, pools);
    waiting.get(table)?.resolve();
  };
  const worker = poolsOnWorker(p.spec, p.seed, p.scale, arrived);
  let cancelled = false;
  const ready = worker.done.then(
    () => assemble(p, got),
    // No worker (or it failed): build them here; a bad faker argument is reported from here.
    async () => {
      if (cancelled) throw new Error('cancelled');
      return assemble(p, await buildPools(p.plan, arrived));
    },
  );
  ready.then(
    () => undefined,
    (e: unknown) => {
      for (const w of waiting.values()) w.reject(e);
    },
  );
  return {
    draft,
    tableReady: async (name) => {
      const w = waiting.get(name);
      if (w === undefined) return tableOf(draft, name);
      await w.done;
      // Compiled with the pools there are so far: this table's are among them.
      return tableOf({ ...draft, tables: compileDataset(p.plan, { ...placeholder, ...got }) }, name);
    },
    ready,
    cancel: async () => {
      cancelled = true;
      await worker.terminate();
    },
  };
};

const poolsOnWorker = (
  spec: DataSpec, seed: number | string, scale: number, onTable: (table: string, pools: Pools) => void,
): { done: Promise<void>; terminate: () => Promise<void> } => {
  let w: Worker;
  try {
    w = startWorker('pool-worker', { spec, seed, scale });
  } catch (e) {
    return { done: Promise.reject(e instanceof Error ? e : new Error(String(e))), terminate: () => Promise.resolve() };
  }
  const done = new Promise<void>((resolve, reject) => {
    w.on('message', (m: { table?: string; pools?: Pools; done?: boolean; error?: string }) => {
      if (m.table !== undefined && m.pools !== undefined) onTable(m.table, m.pools);
      else if (m.done === true) {
        resolve();
        void w.terminate();
      } else {
        reject(new Error(m.error ?? 'pool worker failed'));
        void w.terminate();
      }
    });
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`pool worker exited with code ${code}`)));
  });
  return {
    done,
    terminate: async () => {
      await w.terminate();
    },
  };
};
