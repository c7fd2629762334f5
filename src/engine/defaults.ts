/**
 * What a run uses when an option is not given: the one place these numbers
 * are written. `runPlan` and the use cases in src/app/ default from it, and the
 * CLI shows and passes the same values (src/cli/flags.ts).
 */
import { TRANSFORM_DEFAULTS } from '../scenario/profile.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../scenario/scenario.js';

export const RUN_DEFAULTS = {
  ...TRANSFORM_DEFAULTS,
  /** Worker threads sharing the schedule. */
  workers: 1,
  /** Connections to the target, split between workers (at least one each). */
  connections: 100,
  /** Requests in flight at most; arrivals beyond are dropped (null: no cap). */
  maxInflight: 10_000,
  /** Request timeout, ms, when neither the flag nor the scenario sets one. */
  timeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
  /** How long in-flight requests may finish after a stop, ms. */
  graceMs: 5000,
  /** Copies of the service behind one database (capacity math). */
  instances: 1,
} as const;
