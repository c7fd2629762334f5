/**
 * `prodshape plans` as a library: EXPLAIN the scenario's critical queries on a
 * database, per tenant-size bucket, and return their fingerprints (and the
 * reasons for the ones that could not be planned). Plain EXPLAIN by default
 * (the shape needs no execution); `analyze` runs EXPLAIN ANALYZE, for
 * read-only statements only, like everywhere else.
 */
import { RunError, errorMessage } from '../core/errors.js';
import type { Manifest } from '../data/manifest.js';
import type { Scenario } from '../scenario/scenario.js';
import { explainTarget, OBSERVER_APP } from './explain.js';
import type { PlanRecord } from './files.js';
import { loadTenants, planTargets } from './params.js';
import { entriesFrom, type PlansFileEntry } from './plans-file.js';

export interface CollectedPlans {
  entries: PlansFileEntry[];
  /** `query\0bucket` → why it could not be planned. */
  errors: Map<string, string>;
  records: PlanRecord[];
  /** Major server version, e.g. `15` (PostgreSQL), `MariaDB 10.11`, `MySQL 8.0`. */
  serverVersion: string | null;
}

/** The collected plans of a scenario from its records (one per plan target). */
export const collectedFrom = (scenario: Scenario, records: PlanRecord[], serverVersion: string | null): CollectedPlans => {
  const sql = new Map(scenario.plans.map((p) => [p.name, p.sql]));
  const errors = new Map(records.filter((r) => !r.ok).map((r) => [`${r.query}\u0000${r.bucket}`, r.error ?? 'failed']));
  return { entries: entriesFrom(records, sql), errors, records, serverVersion };
};

/** EXPLAINs every plan target on PostgreSQL; `timeoutMs` is each EXPLAIN's statement_timeout (default 30 s). */
export const collectPlans = async (scenario: Scenario, dbUrl: string, manifest: Manifest | null, analyze: boolean, timeoutMs?: number): Promise<CollectedPlans> => {
  const tenants = await loadTenants(manifest, scenario.tenants);
  const { default: pgLib } = await import('pg');
  const client = new pgLib.Client({ connectionString: dbUrl, application_name: OBSERVER_APP, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (e) {
    throw new RunError('PS_DB_UNREACHABLE', `cannot connect to PostgreSQL: ${errorMessage(e)}`, { hint: 'check --db (or observe.postgres.url in the scenario)' });
  }
  try {
    const v = await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
    const serverVersion = v.rows[0] === undefined ? null : String(Math.floor(Number(v.rows[0].v) / 10000));
    const records: PlanRecord[] = [];
    for (const plan of scenario.plans) {
      for (const t of planTargets(plan, tenants)) {
        records.push(await explainTarget(client, t, { t_s: 0, label: 'snapshot', source: 'plans' }, { analyze, ...(timeoutMs === undefined ? {} : { timeoutMs }) }));
      }
    }
    return collectedFrom(scenario, records, serverVersion);
  } finally {
    await client.end();
  }
};
