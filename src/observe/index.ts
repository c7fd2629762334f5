/**
 * The observe stage's public face. PLACEHOLDER until the observers land:
 * `createObservers` returns the observers the scenario asks for.
 */
import type { Scenario } from '../scenario/scenario.js';
import type { Observer } from './types.js';

export type { Observer, RunContext } from './types.js';

export interface ObserveOptions {
  /** `--pg URL`: PostgreSQL to observe, overriding `observe.postgres.url`. */
  pgUrl?: string | null;
  /** `--instances N`: copies of the service behind one database (capacity math). */
  instances?: number;
}

export const createObservers = (_scenario: Scenario | null, _opts: ObserveOptions = {}): Observer[] => [];
