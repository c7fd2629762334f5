/**
 * Which EXPLAINs to run for the run's slowest statements (pg_stat_statements
 * texts, constants replaced by `$n`). Parameters come from the dataset: a
 * statement that matches a scenario `plans:` entry uses that entry's params; a
 * statement without parameters runs as it is; a statement whose every `$n` is
 * compared with a tenant column (`tenant_id = $1`) gets the bucket tenants.
 * Anything else cannot be EXPLAINed honestly (its constants are gone) and says
 * so. Pure.
 */
import type { PlanQuery } from '../scenario/scenario.js';
import type { StatementDelta } from './files.js';
import { planTargets, type PlanTarget, type TenantSize } from './params.js';
import { stripSql } from './sql-guard.js';

/**
 * A comparable form of a statement: comments dropped, string and number
 * literals and `$n` parameters replaced by `?`, whitespace collapsed, lowercase.
 */
export const normaliseSql = (sql: string): string => {
  let text: string;
  try {
    text = stripSql(sql, true);
  } catch {
    text = sql;
  }
  return text
    .replace(/''/g, '?')
    .replace(/\$\d+/g, '?')
    .replace(/(?<![A-Za-z0-9_])-?\d+(\.\d+)?(?![A-Za-z0-9_])/g, '?')
    .replace(/\s+/g, ' ')
    .replace(/\s*([(),=<>])\s*/g, '$1')
    .trim()
    .replace(/;$/, '')
    .toLowerCase();
};

/** The scenario plan a statement is, if any. */
export const matchPlan = (statement: string, plans: readonly PlanQuery[]): PlanQuery | null => {
  const n = normaliseSql(statement);
  return plans.find((p) => normaliseSql(p.sql) === n) ?? null;
};

/** Params for a statement whose every `$n` is compared with a tenant column, or null. */
export const tenantParams = (statement: string): string[] | null => {
  const nums = [...statement.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
  if (nums.length === 0) return null;
  const max = Math.max(...nums);
  const params: string[] = [];
  for (let k = 1; k <= max; k++) {
    if (!new RegExp(`\\b[A-Za-z_."]*tenant[A-Za-z0-9_"]*\\s*=\\s*\\$${k}(?!\\d)`, 'i').test(statement)) return null;
    params.push('{tenant}');
  }
  return params;
};

/** The EXPLAIN targets for one slow statement (one `error` target when it cannot be EXPLAINed). */
export const targetsForStatement = (d: StatementDelta, plans: readonly PlanQuery[], tenants: readonly TenantSize[] | null): PlanTarget[] => {
  const matched = matchPlan(d.query, plans);
  if (matched !== null) return planTargets(matched, tenants);
  const name = `q${d.queryid}`;
  if (!/\$\d+/.test(d.query)) return planTargets({ name, sql: d.query, params: [] }, tenants);
  const params = tenantParams(d.query);
  if (params !== null) return planTargets({ name, sql: d.query, params }, tenants);
  return [{
    plan: { name, sql: d.query, params: [] }, bucket: 'fixed', tenant: null, params: [],
    error: 'its parameters are unknown (pg_stat_statements replaced the constants): list it under the scenario\'s plans: with params to EXPLAIN it',
  }];
};
