/**
 * report.html: one self-contained file (no network: uPlot's script and CSS
 * are inlined from node_modules, the data is inlined as JSON). It opens with
 * the verdict, then the breaks, the diagnosis, charts of offered/achieved rps
 * and p50/p95/p99 over time with events and breaks marked, p99 and
 * requests/s + errors/s per endpoint, errors/s by error class, the latency
 * distribution (HDR percentile plot) per endpoint, p99 per tenant size class
 * over time, pool gauges (when observed), and tables: endpoints, SLOs, latency by tenant
 * size class, slowest tenants, events. Everything but the charts is plain
 * HTML, so the page reads with scripts off.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fmtMs, fmtS } from '../core/duration.js';
import { fmtCount, fmtInt, fmtPct, fmtRps } from '../core/numbers.js';
import { CLIENT_JS } from './html-client.js';
import type { ClassTimeline, Report, ReportBreak } from '../analyze/index.js';
import { breakLabel, fmtAtClock } from '../analyze/index.js';
import { breakWhen } from './when.js';
import { formatPercentile, percentileTicks, percentileToX } from './percentile-axis.js';
import { escapeHtml as h, jsonForScript } from './format.js';

const require = createRequire(import.meta.url);
let uplotAssets: { js: string; css: string } | null = null;

/** uPlot's IIFE build and stylesheet, read once from the installed package. */
const uplot = (): { js: string; css: string } => {
  uplotAssets ??= {
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
  return uplotAssets;
};

const CSS = `
:root { --fail: #b91c1c; --warn: #b45309; --ok: #15803d; --muted: #6b7280; --line: #e5e7eb; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #111827; margin: 0; background: #f9fafb; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.meta { color: var(--muted); font-size: 13px; }
.verdict { border-radius: 8px; padding: 14px 18px; margin: 16px 0; color: #fff; font-size: 16px; }
.verdict.fail { background: var(--fail); } .verdict.degraded { background: var(--warn); } .verdict.pass { background: var(--ok); }
.verdict .status { font-weight: 700; letter-spacing: .04em; margin-right: 8px; }
.notes { color: var(--warn); margin: 0 0 12px; padding-left: 18px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; min-width: 120px; }
.card b { display: block; font-size: 18px; } .card span { color: var(--muted); font-size: 12px; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #f3f4f6; font-weight: 600; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.break { background: #fff; border-left: 4px solid var(--fail); padding: 8px 12px; margin: 8px 0; }
.break .kind { font-weight: 700; color: var(--fail); } .break .where { color: var(--muted); margin-left: 6px; }
.step { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; margin: 6px 0; }
.step .st { font-weight: 600; font-size: 12px; padding: 1px 6px; border-radius: 4px; margin-left: 6px; }
.st.found { background: #fee2e2; color: var(--fail); } .st.nothing { background: #dcfce7; color: var(--ok); } .st.not-observed { background: #f3f4f6; color: var(--muted); }
.pass { color: var(--ok); font-weight: 600; } .failtxt { color: var(--fail); font-weight: 600; }
.chart { background: #fff; border: 1px solid var(--line); border-radius: 6px; margin: 10px 0; padding: 6px; min-height: 120px; }
.bar { display: inline-block; height: 10px; background: #93c5fd; vertical-align: middle; margin-right: 6px; }
.bar.hot { background: #fca5a5; }
details { margin: 6px 0; } code { font-size: 12px; }
footer { color: var(--muted); font-size: 12px; margin-top: 32px; }
.chart { overflow: hidden; max-width: 100%; } .uplot, .uplot canvas { max-width: 100%; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; }
@media (max-width: 800px) { main { padding: 12px; } table { font-size: 12px; } th, td { padding: 4px 5px; } }
@media (prefers-color-scheme: dark) {
  :root { --line: #374151; --muted: #9ca3af; color-scheme: dark; }
  body { background: #111827; color: #e5e7eb; }
  table, .card, .break, .step { background: #1f2937; }
  th { background: #273244; }
  .st.found { background: #450a0a; color: #fca5a5; } .st.nothing { background: #052e16; color: #86efac; } .st.not-observed { background: #273244; }
  .chart { background: #f9fafb; color: #111827; }
}
@media print {
  body { background: #fff; font-size: 11px; }
  main { max-width: none; padding: 0; }
  .chart, .break, .step, table { break-inside: avoid; }
  .card, .chart { border-color: #d1d5db; }
  details > summary { display: none; }
}
`;

const num = (s: string): string => `<td class="num">${s}</td>`;

const breakBlock = (b: ReportBreak, i: number): string => {
  const where = [b.endpoint ?? 'all endpoints', breakWhen(b), b.offered_rps ? fmtRps(b.offered_rps) : '']
    .filter((x) => x !== '').join(' · ');
  return `<div class="break" id="break-${i + 1}"><span class="kind">${i + 1}. ${h(b.kind)}</span><span class="where">${h(where)}</span>`
    + `<div>${h(b.summary)}</div><details><summary>evidence</summary><pre><code>${h(JSON.stringify(b.evidence, null, 2))}</code></pre></details></div>`;
};

const endpointsTable = (r: Report): string => {
  const rows = r.endpoints.map((e) => `<tr><td>${h(e.name)}</td>${num(fmtInt(e.requests))}${num(e.errors ? fmtPct(e.errors / Math.max(1, e.requests)) : '0')}`
    + `${num(fmtMs(e.p50_ms))}${num(fmtMs(e.p95_ms))}${num(fmtMs(e.p99_ms))}${num(fmtMs(e.max_ms))}`
    + `${num(typeof e.saturation_rps === 'number' ? fmtRps(e.saturation_rps) : '-')}${num(typeof e.knee_rps === 'number' ? fmtRps(e.knee_rps) : '-')}</tr>`);
  return `<table id="endpoints"><thead><tr><th>endpoint</th><th class="num">requests</th><th class="num">errors</th><th class="num">p50</th><th class="num">p95</th>`
    + `<th class="num">p99</th><th class="num">max</th><th class="num">breaks at</th><th class="num">Kneedle knee</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
};

const sloTable = (r: Report): string => {
  if (r.slo.length === 0) return '<p class="meta">No SLOs set (add <code>slo:</code> to the scenario or pass <code>--slo \'p99&lt;300ms\'</code>).</p>';
  const rows = r.slo.map((s) => `<tr><td>${s.pass ? '<span class="pass">pass</span>' : '<span class="failtxt">FAIL</span>'}</td><td><code>${h(s.spec)}</code></td><td>${h(s.message)}</td></tr>`);
  return `<table id="slo"><thead><tr><th>result</th><th>SLO</th><th>measured</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
};

interface ClassStats { requests?: number; n?: number; p50_ms: number | null; p95_ms: number | null; p99_ms: number | null }
interface ClassRow extends ClassStats { endpoint: string; tenant_class: string; requests: number; healthy: ClassStats | null }

const CLASS_TEXT: Record<string, string> = { top1: 'top 1% (biggest)', top10: 'top 10%', rest: 'rest (median tenant)', empty: 'empty (0 rows)', none: 'no tenant' };
const CLASS_ORDER = ['top1', 'top10', 'rest', 'empty', 'none'];

const classTable = (r: Report): string => {
  const rows = ((r.tenants.by_class as ClassRow[] | undefined) ?? [])
    .slice()
    .sort((a, b) => a.endpoint.localeCompare(b.endpoint) || CLASS_ORDER.indexOf(a.tenant_class) - CLASS_ORDER.indexOf(b.tenant_class));
  if (rows.length === 0 || rows.every((x) => x.tenant_class === 'none')) return '<p class="meta">Requests named no tenant: no size classes to compare.</p>';
  const skewed = new Set(r.breaks.filter((b) => b.kind === 'data-skew').map((b) => `${b.endpoint ?? ''}|${typeof b.evidence.class === 'string' ? b.evidence.class : ''}`));
  // With saturation or a cold window in the run, the comparison uses the healthy seconds: show those first.
  const split = rows.some((x) => x.healthy !== null);
  const shown = (x: ClassRow): ClassStats => (split && x.healthy !== null ? x.healthy : x);
  const maxP99 = Math.max(1, ...rows.map((x) => shown(x).p99_ms ?? 0));
  const body = rows.map((x) => {
    const hot = [...skewed].some((k) => k.startsWith(`${x.endpoint}|`) && k.split('|')[1]?.split('+').includes(x.tenant_class));
    const st = shown(x);
    const width = Math.max(1, Math.round(((st.p99_ms ?? 0) / maxP99) * 160));
    return `<tr><td>${h(x.endpoint)}</td><td>${h(CLASS_TEXT[x.tenant_class] ?? x.tenant_class)}</td>${num(fmtInt(x.requests))}${num(fmtMs(st.p50_ms))}${num(fmtMs(st.p95_ms))}`
      + `<td class="num"><span class="bar${hot ? ' hot' : ''}" style="width:${width}px"></span>${fmtMs(st.p99_ms)}</td>${split ? num(fmtMs(x.p99_ms)) : ''}</tr>`;
  });
  const note = split ? '<p class="meta">p50/p95/p99 over the healthy seconds (saturation and cold windows left out), as the skew comparison uses them; the last column is the whole run.</p>' : '';
  return `${note}<table id="classes"><thead><tr><th>endpoint</th><th>tenant size class</th><th class="num">requests</th><th class="num">p50</th><th class="num">p95</th><th class="num">p99</th>`
    + `${split ? '<th class="num">p99, whole run</th>' : ''}</tr></thead><tbody>${body.join('')}</tbody></table>`;
};

const tenantsTable = (r: Report): string => {
  const rows = r.tenants.slowest;
  if (rows.length === 0) return '<p class="meta">No per-tenant histograms with enough requests.</p>';
  const spans = r.breaks.some((b) => b.kind === 'saturation' || b.kind === 'cold-cache');
  // The biggest tenants carry their latency over the healthy windows too (rows without it show "-").
  const healthy = rows.some((t) => t.healthy != null);
  const note = !spans ? ''
    : healthy ? '<p class="meta">p50/p99 cover the whole run, including the saturated and cold periods above; the last column is the tenant\'s p99 over its 10-s windows outside them (recorded for the biggest tenants).</p>'
      : '<p class="meta">Per-tenant latency covers the whole run, including the saturated and cold periods above.</p>';
  const body = rows.map((t) => `<tr><td>${h(t.tenant)}</td><td>${h(typeof t.tenant_class === 'string' ? t.tenant_class : '')}</td>${num(t.rows === null ? '?' : fmtCount(t.rows))}${num(fmtInt(t.requests))}`
    + `${num(fmtMs((t.p50_ms as number | null | undefined) ?? null))}${num(fmtMs(t.p99_ms))}${healthy ? num(t.healthy ? fmtMs(t.healthy.p99_ms) : '-') : ''}</tr>`);
  return `${note}<table id="tenants"><thead><tr><th>tenant</th><th>class</th><th class="num">rows</th><th class="num">requests</th><th class="num">p50</th><th class="num">p99</th>`
    + `${healthy ? '<th class="num">p99, healthy seconds</th>' : ''}</tr></thead><tbody>${body.join('')}</tbody></table>`;
};

const eventsTable = (r: Report): string => {
  if (r.events.length === 0) return '<p class="meta">The profile fired no events.</p>';
  const body = r.events.map((e) => `<tr><td>${h(fmtAtClock(e.t_s, e.clock))}</td><td>${h(e.action)}</td><td>${e.ok ? '<span class="pass">ok</span>' : '<span class="failtxt">failed</span>'}</td>`
    + `${num(typeof e.duration_ms === 'number' ? `${e.duration_ms} ms` : '-')}<td>${h(typeof e.error === 'string' ? e.error : '')}</td></tr>`);
  return `<table id="events"><thead><tr><th>at</th><th>action</th><th>outcome</th><th class="num">took</th><th>error</th></tr></thead><tbody>${body.join('')}</tbody></table>`;
};

const diagnosisBlock = (r: Report): string => r.diagnosis.map((d) =>
  `<div class="step"><b>${d.step}. ${h(d.title)}</b><span class="st ${d.status}">${d.status === 'not-observed' ? 'not observed' : d.status}</span>`
  + `<div>${h(d.summary)}</div>${d.status === 'not-observed' && d.how_to_enable ? `<div class="meta">To enable: ${h(d.how_to_enable)}.</div>` : ''}</div>`).join('');

/** Errors/s by class over time, or why there is no such chart. */
const errorsChart = (r: Report): string => {
  if (r.error_timeline === undefined) return '<p class="meta" id="chart-errors-empty">Errors by class over time: this report.json predates them (run <code>prodshape report DIR</code> again).</p>';
  if (Object.keys(r.error_timeline).length === 0) return '<p class="meta" id="chart-errors-empty">Errors by class over time: no request failed.</p>';
  return '<div class="chart" id="chart-errors"></div>';
};

/** The HDR percentile plot's points: x = 1/(1 − p) for each percentile, its label, the axis ticks, and one series per endpoint plus all. */
const distributionData = (r: Report): unknown => {
  const d = r.latency_distribution;
  if (d === undefined || d.percentiles.length === 0) return null;
  const x = d.percentiles.map(percentileToX);
  return {
    x, labels: d.percentiles.map(formatPercentile), ticks: percentileTicks(x[x.length - 1] ?? 1),
    series: [{ name: 'all', ms: d.all }, ...Object.entries(d.endpoints).map(([name, ms]) => ({ name, ms }))],
  };
};

/** The latency distribution's section: the chart, or why there is none. */
const distributionChart = (r: Report): string => {
  const d = r.latency_distribution;
  if (d === undefined) return '<p class="meta" id="chart-distribution-empty">This report.json predates the latency distribution (run <code>prodshape report DIR</code> again).</p>';
  if (d.percentiles.length === 0) return '<p class="meta" id="chart-distribution-empty">No request completed: no latency distribution to plot.</p>';
  const n = d.counts.all;
  return `<p class="meta">The whole run's latency (from intended send time) at each percentile, as HdrHistogram plots it: each "nine" gets the same width, so the tail is as visible as the median. `
    + `The lines end at the finest percentile their requests resolve (${fmtInt(n)} requests overall: ${h(formatPercentile(d.percentiles[d.percentiles.length - 1] ?? 0))}); the slowest request is the max in the table below.</p>`
    + '<div class="chart" id="chart-distribution"></div>';
};

/** The view the class-over-time chart shows: the endpoint of the first data-skew break, else all endpoints together; null without size classes. */
const classView = (r: Report): { endpoint: string | null; breakNo: number | null; view: ClassTimeline } | null => {
  const tl = r.tenant_class_timeline;
  if (tl === undefined) return null;
  const i = r.breaks.findIndex((b) => b.kind === 'data-skew' && b.endpoint !== null && tl.endpoints[b.endpoint] !== undefined);
  const endpoint = r.breaks[i]?.endpoint ?? null;
  const view = endpoint === null ? tl.all : tl.endpoints[endpoint];
  return view === null || view === undefined ? null : { endpoint, breakNo: endpoint === null ? null : i + 1, view };
};

/** p99 per tenant size class over time, or why there is no such chart. */
const classChart = (r: Report): string => {
  if (r.tenant_class_timeline === undefined) return '<p class="meta" id="chart-classes-empty">This report.json predates p99 by tenant size class over time (run <code>prodshape report DIR</code> again).</p>';
  const v = classView(r);
  if (v === null) return '<p class="meta" id="chart-classes-empty">No request named a tenant with a size class (a k6 import without tenant tags, or a scenario whose endpoints name no tenant): no tenant size classes to chart over time.</p>';
  const { view } = v;
  if (Object.values(view.p99_ms).every((col) => col.every((x) => x === null))) {
    return `<p class="meta" id="chart-classes-empty">No tenant size class had ${fmtInt(view.min_requests)} requests in any ${fmtS(view.bin_s)} bin: too few for a p99 over time.</p>`;
  }
  const scope = v.endpoint === null ? 'all endpoints together' : `${h(v.endpoint)}, the endpoint of data-skew break #${v.breakNo ?? ''}`;
  return `<p class="meta">p99 per tenant size class over time (${scope}; bins of ${h(fmtS(view.bin_s))}, a bin with fewer than ${fmtInt(view.min_requests)} requests of a class left out): `
    + 'a skewed class stays above the others while the load is healthy; under saturation every class rises together.</p><div class="chart" id="chart-classes"></div>';
};

/** What the client script charts: the timelines plus markers. */
const chartData = (r: Report): unknown => ({
  // The profile clock by second, [t_s, "09:12"] (empty without one): the x axes' tick labels and the cursor's time.
  clock: r.timeline.flatMap((x) => (x.clock === undefined ? [] : [[x.t_s, x.clock]])),
  timeline: r.timeline.map((x) => ({ t_s: x.t_s, offered_rps: x.offered_rps, achieved_rps: x.achieved_rps, errors: x.errors, p50_ms: x.p50_ms, p95_ms: x.p95_ms, p99_ms: x.p99_ms })),
  endpoint_timeline: r.endpoint_timeline,
  error_timeline: r.error_timeline ?? {},
  distribution: distributionData(r),
  classes: classView(r)?.view ?? null,
  pool: r.pool.timeline,
  marks: [
    ...r.events.map((e) => ({ t: e.t_s, kind: 'event', label: e.action })),
    ...r.breaks.filter((b) => b.t_s !== null).map((b, i) => ({ t: b.t_s, kind: 'break', label: `#${i + 1} ${b.kind}` })),
  ],
  spans: r.breaks.flatMap((b) => {
    if (b.kind === 'cold-cache') return [{ from: Number(b.evidence.start_s), to: Number(b.evidence.end_s), kind: 'cold-cache' }];
    if (b.kind === 'saturation' && typeof b.evidence.until_s === 'number') return [{ from: b.t_s, to: b.evidence.until_s, kind: 'saturation' }];
    return [];
  }),
});

/**
 * A block of report.html contributed by a later stage (the observe stage's
 * database section): given the report, returns HTML (escaped, using the
 * report's styles) or '' when it has nothing to show. Placed after Events.
 */
export type HtmlSection = (r: Report) => string;

/** Renders the self-contained HTML report, with `sections` after the built-in ones. */
export const renderHtml = (r: Report, sections: readonly HtmlSection[] = []): string => {
  const { js, css } = uplot();
  const s = r.summary;
  const title = `prodshape: ${r.scenario ?? 'run'} × ${r.profile ?? 'profile'}`;
  const cards = [
    [fmtS(s.duration_s), 'duration'], [fmtInt(s.requests), 'requests'], [fmtRps(s.offered_rps), 'offered'], [fmtRps(s.achieved_rps), 'achieved'],
    [fmtMs(s.p99_ms as number | null), 'p99'], [String(s.errors), 'errors'], [String(s.dropped), 'dropped'],
    ...(s.interrupted === true ? [[String(s.aborted ?? 0), 'aborted at the stop'], ['stopped', s.interrupt_reason ?? 'interrupted']] : []),
  ].map(([v, l]) => `<div class="card"><b>${h(v ?? '')}</b><span>${h(l ?? '')}</span></div>`).join('');
  const breaksHtml = r.breaks.length === 0 ? '<p>No breaks: no endpoint broke under this load.</p>' : r.breaks.map(breakBlock).join('');
  const poolHtml = r.pool.status === 'gauges'
    ? '<div class="chart" id="chart-pool"></div>'
    : `<p class="meta">${h(r.pool.note.charAt(0).toUpperCase() + r.pool.note.slice(1))}</p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${h(title)}</title>
<style>${css}</style>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>${h(title)}</h1>
<div class="meta">${h(r.target ?? 'no target')} · ${h(r.breaks.length === 0 ? 'no breaks' : r.breaks.map(breakLabel).join('; '))}</div>
<div class="verdict ${h(r.verdict.status)}" id="verdict"><span class="status">${h(r.verdict.status.toUpperCase())}</span>${h(r.verdict.text.replace(/^[A-Z]+: /, ''))}</div>
${r.verdict.notes.length ? `<ul class="notes">${r.verdict.notes.map((n) => `<li>${h(n)}</li>`).join('')}</ul>` : ''}
<div class="cards">${cards}</div>
<h2>SLOs</h2>
${sloTable(r)}
<h2>Breaks</h2>
${breaksHtml}
<h2>Diagnosis</h2>
${diagnosisBlock(r)}
<h2>Load and latency over time</h2>
<p class="meta">Latency is measured from each request's intended send time (no coordinated omission). Dashed blue lines: events; red lines: breaks; shaded: cold windows (blue) and saturation (red).</p>
<div class="chart" id="chart-rps"></div>
<div class="chart" id="chart-latency"></div>
${r.endpoints.length > 1 ? '<div class="chart" id="chart-endpoints"></div><div class="chart" id="chart-endpoint-rps"></div>' : ''}
${errorsChart(r)}
<h2>Latency distribution</h2>
${distributionChart(r)}
<h2>Endpoints</h2>
${endpointsTable(r)}
<h2>Latency by tenant size class</h2>
${classChart(r)}
${classTable(r)}
<h2>Slowest tenants</h2>
${tenantsTable(r)}
<h2>Pool</h2>
${poolHtml}
<h2>Events</h2>
${eventsTable(r)}
${sections.map((section) => section(r)).join('\n')}
<footer>Generated by prodshape from the run directory; <code>prodshape report DIR</code> re-renders it.</footer>
</main>
<script type="application/json" id="prodshape-data">${jsonForScript(chartData(r))}</script>
<script>${js}</script>
<script>${CLIENT_JS}</script>
</body>
</html>
`;
};
