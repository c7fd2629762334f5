/**
 * A fit as files: the profile (docs/design.md "Profile file", with the `fit` block
 * that carries `zipf_s`) and the scenario whose endpoints are the fitted
 * templates and weights. Both are YAML text for the CLI to write; both load
 * with loadProfile / loadScenario.
 */
import { basename } from 'node:path';
import { Document, visit } from 'yaml';
import type { Stage } from '../../scenario/profile.js';
import { isQueryId, pseudonym } from '../logs/remap.js';
import type { TemplateStats } from './endpoints.js';
import type { FitResult } from './fit.js';
import { roundSig } from '../../core/round.js';
import { formatDurationMs, formatExactDurationMs as yamlDuration } from '../../core/duration.js';
import { fmtInt, fmtPct } from '../../core/numbers.js';


/** `2015-05-17 10:05:03` in the given offset. */
export const localTime = (ms: number, offsetMin: number): string =>
  new Date(ms + offsetMin * 60_000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');

/** `+02:00`. */
export const offsetText = (offsetMin: number): string => {
  const a = Math.abs(offsetMin);
  return `${offsetMin < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
};


const stageLine = (st: Stage): string =>
  st.kind === 'hold'
    ? `  - { duration: ${yamlDuration(st.durationMs)}, rate: ${st.rateRps} }`
    : `  - { duration: ${yamlDuration(st.durationMs)}, from: ${st.fromRps}, to: ${st.toRps} }`;

const comment = (lines: string[]): string => lines.map((l) => (l === '' ? '#' : `# ${l}`)).join('\n');

/** Writes a value as YAML with lists of scalars in flow style (`[1, 2]`). */
const yamlBlock = (value: Record<string, unknown>): string => {
  const doc = new Document(value);
  visit(doc, {
    Seq(_, node) {
      if (node.items.every((i) => !(i && typeof i === 'object' && 'items' in i))) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0 });
};

/** The `fit` block of the profile: what was learnt, with `zipf_s` (docs/design.md "Profile file"). */
export const fitBlock = (f: FitResult): Record<string, unknown> => {
  const z = f.zipf;
  const d = f.daily;
  return {
    source: basename(f.file),
    format: f.log.format,
    requests: f.requests,
    malformed: f.log.malformed,
    from: new Date(f.firstMs).toISOString(),
    to: new Date(f.lastMs).toISOString(),
    interval: yamlDuration(f.curve.intervalS * 1000),
    smooth: f.curve.smoothWindow,
    shape: f.shape,
    mean_rps: roundSig(f.meanRps),
    peak_rps: roundSig(f.peakRps),
    peak_to_mean: roundSig(f.meanRps > 0 ? f.peakRps / f.meanRps : 0, 3),
    stages_correlation: f.stagesCorrelation === null ? null : roundSig(f.stagesCorrelation, 3),
    stages_rms_error: roundSig(f.stagesError, 3),
    ...(z === null
      ? {}
      : {
          zipf_s: roundSig(z.fit.s, 3),
          zipf: {
            basis: z.basis, ...(z.endpoint === null ? {} : { endpoint: z.endpoint }), placeholder: z.placeholder,
            ids: z.fit.ids, samples: z.fit.samples, ks: roundSig(z.fit.ks, 3), r2: roundSig(z.fit.r2, 3), quality: z.fit.quality,
            top_share: roundSig(z.fit.topShare, 3), top1pct_share: roundSig(z.fit.top1PctShare, 3),
          },
        }),
    ...(d === null
      ? {}
      : {
          daily: {
            cycle: d.cycle, utc_offset: offsetText(d.offsetMin), peak_hour: d.peakHour, trough_hour: d.troughHour,
            peak_to_trough: roundSig(d.peakToTrough, 3), p_value: roundSig(d.pValue, 3),
            day_correlation: d.dayCorrelation === null ? null : roundSig(d.dayCorrelation, 3),
            hourly_rps: d.hourlyRps.map((r) => roundSig(r, 3)),
          },
        }),
    ...(f.dispersion === null ? {} : { dispersion: { per: yamlDuration(f.dispersion.granularityS * 1000), index: roundSig(f.dispersion.index, 3) } }),
  };
};

/** The profile file's text. */
export const profileYaml = (f: FitResult, name: string): string => {
  const span = f.lastMs - f.firstMs;
  const head = [
    `Fitted by \`prodshape fit\` from ${basename(f.file)} (${f.log.format}): ${fmtInt(f.requests)} request${f.requests === 1 ? '' : 's'}`,
    `from ${localTime(f.firstMs, f.offsetMin)} to ${localTime(f.lastMs, f.offsetMin)} (${offsetText(f.offsetMin)}), ${formatDurationMs(span)}.`,
    f.shape === 'day'
      ? `One average day (mean rate per hour of the day), ${f.stages.length} stage${f.stages.length === 1 ? '' : 's'}.`
      : `Rate curve in ${yamlDuration(f.curve.intervalS * 1000)} intervals, smoothed over ${f.curve.smoothWindow}; ${f.stages.length} stage${f.stages.length === 1 ? '' : 's'}` +
        ` (within ${fmtPct(f.stagesError, 1)} RMS of the curve).`,
    `Mean ${roundSig(f.meanRps, 3)} req/s, peak ${roundSig(f.peakRps, 3)} req/s.` +
      (f.zipf === null ? '' : ` Zipf s = ${f.zipf.fit.s.toFixed(2)} over ${f.zipf.placeholder} popularity (${f.zipf.fit.quality} fit).`),
  ];
  if (span >= 600_000) {
    head.push(
      `--speed 100 plays its ${formatDurationMs(span)} in ${formatDurationMs(span / 100)} at the same rates; add --rate-scale 100 to send all of its`,
      'requests in that time (as `replay --log --speed 100` does), --rate-scale 300 for three times the traffic.',
    );
  }
  return [
    comment(head),
    `name: ${name}`,
    'arrival: poisson',
    'stages:',
    ...f.stages.map(stageLine),
    yamlBlock({ fit: fitBlock(f) }).trimEnd(),
    '',
  ].join('\n');
};

/** Escapes literal text for a scenario template (`{` and `}` are placeholder syntax there). */
const literal = (text: string): string => text.replace(/\{/g, '{{').replace(/\}/g, '}}');

/** Query values that look like ids become pseudonyms: production ids do not go into the scenario. */
const safeQuery = (query: string): string =>
  query === '' ? '' : `?${query.slice(1).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    return eq > 0 && isQueryId(pair.slice(0, eq), pair.slice(eq + 1)) ? `${pair.slice(0, eq)}=${pseudonym(pair.slice(eq + 1), 'fit')}` : pair;
  }).join('&')}`;

/**
 * A template's path as a scenario can send it without a dataset: `{tenant}`
 * stays (the scenario's tenants CSV fills it), an id with a single value seen
 * is written as it is (a year in a path is no id), whole numbers become
 * `{int:MIN:MAX}` over the range seen, UUIDs `{uuid}`, other tokens a pick of
 * same-shape pseudonyms. The template itself goes in a comment above the
 * endpoint; with a generated dataset, `{TABLE.id}` placeholders can replace these.
 */
export const scenarioPath = (t: TemplateStats): string => {
  const q = t.path.indexOf('?');
  const pathPart = q < 0 ? t.path : t.path.slice(0, q);
  const out = pathPart.split(/(\{[^{}]+\})/).map((part) => {
    const m = /^\{([^{}]+)\}$/.exec(part);
    if (!m) return literal(part);
    const name = m[1] as string;
    if (name === 'tenant') return '{tenant}';
    const p = t.placeholders.find((x) => x.name === name);
    if (p === undefined) return '{seq}';
    if (p.distinct === 1 && p.top[0] !== undefined) return literal(p.top[0].value);
    if (p.kind === 'int' && p.min !== null && p.max !== null) return `{int:${p.min}:${p.max}}`;
    if (p.kind === 'uuid') return '{uuid}';
    return `{random:${[...new Set(p.top.map((v) => pseudonym(v.value, 'fit')))].join('|')}}`;
  }).join('');
  return out + literal(safeQuery(q < 0 ? '' : t.path.slice(q)));
};

/** The tenants CSV beside a fitted scenario: tenants numbered by popularity (1 = busiest), with their requests in the log. */
export const tenantsCsv = (f: FitResult): string =>
  ['tenant_id,requests', ...f.endpoints.tenantCounts.map((n, i) => `${i + 1},${n}`), ''].join('\n');


/**
 * The scenario file's text: the fitted endpoints with weights in percent of
 * all requests, each with its template in a comment. `tenantsCsvFile` (a path
 * relative to the scenario) is named as the scenario's tenants when the log's
 * paths name tenants; write `tenantsCsv(f)` there.
 */
export const scenarioYaml = (f: FitResult, name: string, opts: { tenantsCsvFile?: string | null } = {}): string => {
  const kept = f.scenarioEndpoints;
  const keptShare = kept.reduce((s, t) => s + t.share, 0);
  const head = [
    `Fitted by \`prodshape fit\` from ${basename(f.file)}: the ${kept.length} most requested of ${f.endpoints.templates.length} endpoint templates`,
    `(${fmtPct(keptShare, 1)} of ${fmtInt(f.requests)} requests). Weights are percent of all requests.`,
    'Each endpoint\'s template is in the comment above it. Ids the log held are replaced so the scenario runs without',
    'a dataset: {int:MIN:MAX} over the range seen, {uuid}, pseudonyms. With a generated dataset, use {TABLE.id} instead.',
  ];
  const usesTenant = kept.some((t) => t.template.includes('{tenant}'));
  const csv = usesTenant ? (opts.tenantsCsvFile ?? null) : null;
  if (f.zipf !== null) {
    head.push(`Popularity of ${f.zipf.placeholder === 'path' ? 'paths' : f.zipf.placeholder === 'tenant' ? 'tenants' : `{${f.zipf.placeholder}}`} fits Zipf s = ${f.zipf.fit.s.toFixed(2)} (${f.zipf.fit.quality} fit):` +
      ' generate the dataset with that exponent to match it.');
  }
  if (csv !== null) head.push(`Tenants: ${csv} numbers the log's tenants by popularity (1 = busiest); {tenant} picks them in proportion to their requests.`);
  const lines = [comment(head), `name: ${JSON.stringify(name)}`];
  if (csv !== null) lines.push('tenants:', `  csv: ${JSON.stringify(csv)}`, '  id: tenant_id', '  rows: requests');
  lines.push('endpoints:');
  for (const t of kept) {
    const ids = t.placeholders.filter((p) => p.name !== 'tenant').map((p) => `{${p.name}}: ${p.distinct} distinct${p.zipf ? `, Zipf s = ${p.zipf.s.toFixed(2)}` : ''}`);
    lines.push(`  # ${t.method} ${t.template}: ${fmtPct(t.share, 2)} of requests${ids.length > 0 ? `; ${ids.join('; ')}` : ''}`);
    lines.push(`  - name: ${t.name}`);
    lines.push(`    weight: ${Math.max(0.01, Math.round(t.share * 10_000) / 100)}`);
    lines.push(`    method: ${t.method}`);
    lines.push(`    path: ${JSON.stringify(scenarioPath(t))}`);
  }
  return `${lines.join('\n')}\n`;
};
