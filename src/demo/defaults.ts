/**
 * The bundled demo's fixed facts that the CLI needs before it decides to
 * start anything (checked with the flags, before any heavy module loads):
 * its scenario, its connection count, and what the first run says when the
 * demo has no PostgreSQL server to observe.
 */
import { join, resolve } from 'node:path';
import { PACKAGE_ROOT } from '../core/paths.js';

/**
 * Connections the first run opens to the demo (`--connections` overrides):
 * enough that, past the demo's capacity, requests wait in the demo's pool
 * (where its gauges and 503s show it) rather than in the load generator for
 * a free connection.
 */
export const DEMO_CONNECTIONS = 1000;

/** The demo scenario shipped with the package. */
export const DEMO_SCENARIO_FILE = join(PACKAGE_ROOT, 'scenarios', 'demo.yaml');

/** What the first run says instead of "${DATABASE_URL} is not set" when the demo runs on PGlite (no server to connect to). */
export const DEMO_PGLITE_OFF =
  'the demo runs on the embedded PGlite, which has no server for the PostgreSQL observer to connect to; '
  + 'set DATABASE_URL to run the demo on PostgreSQL and see its slow queries and plans';

/** True when `--scenario` is absent or names the demo's own scenario (the only one the demo serves). */
export const isDemoScenario = (scenario: string | undefined, cwd = process.cwd()): boolean =>
  scenario === undefined || scenario === 'demo' || resolve(cwd, scenario) === DEMO_SCENARIO_FILE;
