/**
 * `prodshape plans snapshot|check --scenario S --file plans.json [--db URL] [--data DIR] [--analyze] [--timeout 30s]`
 * (`--db` may be a mysql:// or mariadb:// URL: observe/mysql-plans.ts)
 *
 * snapshot: EXPLAINs the scenario's `plans:` per tenant-size bucket and writes
 *           their fingerprints to the file (meant to be committed).
 * check:    EXPLAINs them again and compares: exit 0 when every plan matches,
 *           2 with a diff naming the query when one changed (or can no longer
 *           be planned), for CI between releases.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { CheckFailedError, InputError, inputError, type Problem } from '../core/errors.js';
import { expandEnv } from '../core/env.js';
import { ensureOutputFile, prepareOutputFile } from '../core/out-paths.js';
import { resolveNamed } from '../core/paths.js';
import { registerSecret } from '../core/secrets.js';
import { parseYaml } from '../core/yaml-doc.js';
import { readManifest, type Manifest } from '../data/manifest.js';
import { isRefused, REFUSED_CODE } from '../observe/explain.js';
import type { PlanRecord } from '../observe/files.js';
import { buildPlansFile, comparePlans, formatComparison, parsePlansFile } from '../observe/plans-file.js';
import { collectPlans, type CollectedPlans } from '../observe/plans-run.js';
import { isMysqlUrl } from '../data/sinks/mysql-conn.js';
import { durationFlagMs } from '../core/duration.js';
import { loadScenario, type Scenario } from '../scenario/scenario.js';
import { out } from './output.js';

interface PlansArgs {
  action: 'snapshot' | 'check';
  scenario: string;
  file: string;
  db?: string;
  data?: string;
  analyze: boolean;
  timeout: string;
}

/** The database: `--db`, else the scenario's `observe.postgres.url` (with `${ENV}` expanded). */
const databaseUrl = (scenario: Scenario, db: string | undefined): string => {
  if (db !== undefined && db !== '') {
    registerSecret(db);
    return db;
  }
  const url = scenario.observe.postgres?.url;
  if (url === undefined) {
    throw inputError('--db', 'no database to EXPLAIN on', { hint: 'pass --db postgres://… or set observe.postgres.url in the scenario' });
  }
  const r = expandEnv(url);
  if (!r.ok) throw inputError('observe.postgres.url', `\${${r.missing.join('}, ${')}} is not set in the environment`, { file: scenario.file, hint: 'export it, or pass --db postgres://…' });
  return r.value;
};

/**
 * A plan record that failed, as a problem naming the plan where the scenario
 * writes it: `file:line: plans[2].sql (pending-orders): refused: …` (a
 * refusal holds for every bucket; other failures name the bucket).
 */
const planProblem = (scenario: Scenario, r: PlanRecord): Problem => {
  const i = scenario.plans.findIndex((p) => p.name === r.query);
  const bucket = r.bucket === 'fixed' || isRefused(r) ? '' : `, ${r.bucket}`;
  const line = scenario.file === null || i === -1 ? null : parseYaml(scenario.sourceText, scenario.file).lineOf(['plans', i, 'sql']);
  return { file: scenario.file, line, field: `plans[${i}].sql (${r.query}${bucket})`, message: r.error ?? 'could not be planned' };
};

/** One problem per refused plan (every bucket is refused for the same reason). */
const refusedProblems = (scenario: Scenario, records: readonly PlanRecord[]): Problem[] =>
  [...new Map(records.filter(isRefused).map((r) => [r.query, planProblem(scenario, r)])).values()];

/** A snapshot's server: a bare major version is PostgreSQL's; MySQL's carry their name (`MariaDB 10.11`). */
const serverName = (v: string): string => (/^\d+$/.test(v) ? `PostgreSQL ${v}` : v);

const run = async (a: PlansArgs): Promise<void> => {
  // A snapshot rewrites its file (that is how it is updated); it must be a file that can be written.
  if (a.action === 'snapshot') ensureOutputFile(a.file, '--file', true);
  const scenario = await loadScenario(resolveNamed('scenarios', a.scenario, '--scenario'));
  if (scenario.plans.length === 0) {
    throw inputError('plans', 'the scenario lists no critical queries', { file: scenario.file, hint: 'add `plans: [{ name, sql, params }]` to the scenario' });
  }
  const manifest: Manifest | null = a.data === undefined ? null : await readManifest(join(a.data, 'manifest.json'));
  const db = databaseUrl(scenario, a.db);
  const timeoutMs = durationFlagMs('--timeout', a.timeout);
  let got: CollectedPlans;
  if (isMysqlUrl(db)) {
    const { collectMysqlPlans } = await import('../observe/mysql-plans.js');
    got = await collectMysqlPlans(scenario, db, manifest, timeoutMs, a.analyze);
  } else {
    got = await collectPlans(scenario, db, manifest, a.analyze, timeoutMs);
  }
  const refused = refusedProblems(scenario, got.records);
  if (refused.length > 0) {
    throw new InputError(refused, { code: REFUSED_CODE, hint: 'prodshape only EXPLAINs single read-only SELECT statements that call built-in stable or immutable functions (see docs/observe.md, "Read-only guarantee")' });
  }

  if (a.action === 'snapshot') {
    const failed = got.records.filter((r) => !r.ok);
    if (failed.length > 0) {
      throw new InputError(failed.map((r) => planProblem(scenario, r)), { hint: 'fix the query or its params, then snapshot again' });
    }
    prepareOutputFile(a.file, '--file');
    await writeFile(a.file, `${JSON.stringify(buildPlansFile(scenario.name, got.serverVersion, got.entries), null, 2)}\n`);
    for (const e of got.entries) out(`${e.query.padEnd(24)} ${e.bucket.padEnd(8)} ${e.fingerprint}  ${e.shape}`);
    out(`wrote ${got.entries.length} plan fingerprint${got.entries.length === 1 ? '' : 's'} to ${a.file}`);
    return;
  }

  let text: string;
  try {
    text = await readFile(a.file, 'utf8');
  } catch {
    throw inputError('--file', 'cannot read the plans snapshot', { file: a.file, hint: 'write it first with `prodshape plans snapshot`' });
  }
  const snapshot = parsePlansFile(text, a.file);
  const cmp = comparePlans(snapshot, got.entries, got.errors);
  if (snapshot.server_version !== null && got.serverVersion !== null && snapshot.server_version !== got.serverVersion) {
    out(`note: the snapshot was taken on ${serverName(snapshot.server_version)}, this is ${serverName(got.serverVersion)}`);
  }
  for (const line of formatComparison(cmp)) out(line);
  const bad = [...cmp.changed.map((c) => c.before), ...cmp.failed.map((f) => f.before)];
  if (bad.length > 0) {
    const names = [...new Set(bad.map((b) => (b.bucket === 'fixed' ? b.query : `${b.query} (${b.bucket})`)))];
    throw new CheckFailedError('PS_PLAN_CHANGED', `${bad.length} plan${bad.length === 1 ? '' : 's'} changed: ${names.join(', ')}`, {
      hint: `if the new plan is intended, run \`prodshape plans snapshot --scenario ${a.scenario} --file ${a.file}\` and commit the file`,
    });
  }
  out(`all ${cmp.unchanged.length} plan${cmp.unchanged.length === 1 ? '' : 's'} match ${a.file}`);
};

export const plansCommand: CommandModule<object, PlansArgs> = {
  builder: (y: Argv) =>
    y
      .positional('action', { choices: ['snapshot', 'check'] as const, demandOption: true, describe: 'snapshot: write the fingerprints; check: compare (exit 2 when a plan changed)' })
      .option('scenario', { type: 'string', demandOption: true, describe: 'scenario with `plans:` (path or name)' })
      .option('file', { type: 'string', demandOption: true, describe: 'the snapshot file, e.g. plans.json (commit it)' })
      .option('db', { type: 'string', describe: 'PostgreSQL URL, or mysql:// / mariadb:// (default: observe.postgres.url of the scenario)' })
      .option('data', { type: 'string', describe: 'generated dataset directory (manifest.json) for tenant parameters' })
      .option('analyze', { type: 'boolean', default: false, describe: 'EXPLAIN ANALYZE (read-only queries only; ANALYZE on MariaDB) instead of plain EXPLAIN' })
      .option('timeout', { type: 'string', default: '30s', describe: 'statement timeout of each EXPLAIN' })
      .example('$0 plans snapshot --scenario demo --data data/ --file plans.json --db postgres://localhost/app', '')
      .example('$0 plans check --scenario demo --data data/ --file plans.json', ''),
  handler: run,
};
