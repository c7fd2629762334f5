/**
 * A compiled dataset as every part of generation sees it (the main thread,
 * the chunk makers and the workers): the plan, pools and compiled tables for
 * one seed and scale. Built by prepareDataset (dataset.ts).
 */
import { inputError } from '../core/errors.js';
import type { DataSpec } from '../scenario/data-spec.js';
import type { CompiledTable } from './columns.js';
import type { DataPlan } from './plan.js';
import type { Pools } from './pools.js';

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

/** The compiled table named `name`; throws an InputError listing the tables otherwise. */
export const tableOf = (ds: Dataset, name: string): CompiledTable => {
  const t = ds.tables.find((x) => x.name === name);
  if (t === undefined) throw inputError('table', `no table "${name}" in this dataset; tables: ${ds.tables.map((x) => x.name).join(', ')}`);
  return t;
};
