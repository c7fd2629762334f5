/**
 * Where a run's planned requests come from. A stream can be given directly
 * (one thread), or as a *recipe*: a module and the name of a factory it
 * exports, with structured-cloneable arguments. Each worker thread imports
 * the module and asks the factory for its share of the plan, so any source
 * (a scenario and profile, an access log, …) runs on N workers.
 */
import { pathToFileURL } from 'node:url';
import { isAbsolute } from 'node:path';
import type { PlanShare } from '../traffic/arrivals.js';
import type { PlanStream } from '../traffic/plan.js';

/** A factory a recipe names: returns the planned requests of one share, sorted by `atMs`. */
export type PlanFactory<A = unknown> = (args: A, share: PlanShare) => PlanStream | Promise<PlanStream>;

/** A serializable description of a plan: `import(module)[exportName](args, share)`. */
export interface PlanRecipe<A = unknown> {
  /** A `file:` URL (or absolute path) of an ES module. */
  module: string;
  /** Name of the exported PlanFactory. */
  export: string;
  /** Arguments (must survive structured clone to a worker). */
  args: A;
}

/** A plan: a recipe (any number of workers) or a ready stream (one worker only). */
export type PlanSource = { recipe: PlanRecipe; stream?: undefined } | { stream: PlanStream; recipe?: undefined };

/** Loads one share of a recipe's plan. */
export const loadRecipe = async (recipe: PlanRecipe, share: PlanShare): Promise<PlanStream> => {
  const url = isAbsolute(recipe.module) ? pathToFileURL(recipe.module).href : recipe.module;
  const mod = (await import(url)) as Record<string, unknown>;
  const factory = mod[recipe.export];
  if (typeof factory !== 'function') throw new Error(`plan recipe: ${recipe.module} exports no function named ${recipe.export}`);
  return (await (factory as PlanFactory)(recipe.args, share));
};
