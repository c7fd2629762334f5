/**
 * The report.html block for what the observers saw (report.database): the
 * capacity sentence, each instance's pool (from a Prometheus server), the statements that took the database's time, the plans
 * with their flags, pg_stat_activity peaks and the observers' warnings.
 * Returns '' when the run had no observer. Uses report.html's styles (tables,
 * `.num`, `.meta`); all text is escaped.
 */
import type { Report } from '../analyze/index.js';
import { fmtMs } from '../core/duration.js';
import { fmtInt } from '../core/numbers.js';
import { escapeHtml as h } from '../report/format.js';
import { shortSql } from './diagnosis.js';
import type { DatabaseSection } from './findings.js';

const num = (s: string): string => `<td class="num">${s}</td>`;

const statementsTable = (d: DatabaseSection): string => {
  if (!d.statements.available) return '<p class="meta">No pg_stat_statements data for this run.</p>';
  const rows = d.statements.top_by_total.slice(0, 10).map((s) => `<tr><td><code>${h(shortSql(s.query, 140))}</code></td>${num(fmtInt(s.calls))}`
    + `${num(fmtMs(s.total_exec_ms))}${num(fmtMs(s.mean_exec_ms))}${num(fmtInt(s.rows))}${num(fmtInt(s.shared_blks_read))}</tr>`);
  const dealloc = d.statements.dealloc !== null && d.statements.dealloc > 0 ? `<p class="meta">pg_stat_statements evicted ${d.statements.dealloc} entries during the run: these counts may miss statements.</p>` : '';
  return `<table id="statements"><thead><tr><th>statement (most database time first)</th><th class="num">calls</th><th class="num">total</th>`
    + `<th class="num">mean</th><th class="num">rows</th><th class="num">blocks read</th></tr></thead><tbody>${rows.join('')}</tbody></table>${dealloc}`;
};

/**
 * Why no plan was captured, in the words of the diagnosis's plans step (the
 * PostgreSQL observer was off, EXPLAIN failed, or the scenario lists no
 * critical queries) rather than a fixed hint that may not apply.
 */
const noPlans = (r: Report): string => {
  const step = r.diagnosis.find((x) => x.id === 'plans');
  if (step === undefined || step.status !== 'not-observed') return '<p class="meta">No plans were captured for this run.</p>';
  const how = step.how_to_enable ? ` To capture them: ${h(step.how_to_enable)}.` : '';
  return `<p class="meta">${h(step.summary)}${how}</p>`;
};

const plansTable = (d: DatabaseSection, r: Report): string => {
  if (d.plans.length === 0) return noPlans(r);
  const rows = d.plans.slice(0, 20).map((p) => `<tr><td>${h(p.query)}${p.source === 'slowest' ? ' <span class="meta">(slowest)</span>' : ''}</td>`
    + `<td>${h(p.bucket)}${p.tenant === null ? '' : ` ${h(p.tenant)}`}</td><td>${p.ok ? h(p.shape ?? '') : `<span class="meta">${h(p.error ?? '')}</span>`}</td>`
    + `${num(p.execution_ms === null ? '-' : fmtMs(p.execution_ms))}<td>${h(p.flags.map((f) => `${f.node}: ${f.message}`).join('; '))}</td></tr>`);
  return `<table id="plans"><thead><tr><th>query</th><th>tenant bucket</th><th>plan</th><th class="num">execution</th><th>flags</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
};

/** Each instance's pool as the Prometheus server reported it (largest readings), or '' without per-instance series. */
const instancesTable = (d: DatabaseSection): string => {
  const rows = d.pool_instances ?? [];
  if (rows.length === 0) return '';
  const cell = (x: number | null): string => num(x === null ? '-' : fmtInt(x));
  return `<table id="pool-instances"><thead><tr><th>instance (from the Prometheus server)</th><th class="num">most in use</th><th class="num">most waiting</th><th class="num">pool size</th></tr></thead>`
    + `<tbody>${rows.map((p) => `<tr><td>${h(p.instance)}</td>${cell(p.max_in_use)}${cell(p.max_waiting)}${cell(p.size)}</tr>`).join('')}</tbody></table>`;
};

/** The Database section of report.html, or '' without observer data. */
export const databaseHtml = (r: Report): string => {
  const d = r.database as DatabaseSection | undefined;
  if (d === undefined || d === null) return '';
  const a = d.activity;
  const activity = a === null ? '' : `<p>pg_stat_activity: up to ${a.active.value} active (at ${Math.round(a.active.t_s)} s), ${a.idle_in_transaction.value} idle in transaction, `
    + `${a.waiting_lock.value} waiting on locks, ${a.total.value} client connections.</p>`;
  const capacity = d.capacity === null ? '' : `<p id="capacity"><b>Capacity.</b> ${h(d.capacity.sentence)}</p>`;
  const warnings = d.warnings.length === 0 ? '' : `<ul class="notes">${d.warnings.map((w) => `<li>${h(w)}</li>`).join('')}</ul>`;
  return `<h2>Database</h2>\n${capacity}${instancesTable(d)}${activity}<h3>Statements</h3>${statementsTable(d)}<h3>Plans</h3>${plansTable(d, r)}${warnings}`;
};
