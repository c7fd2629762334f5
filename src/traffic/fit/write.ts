/**
 * A fit as files: the profile (DESIGN.md "Profile file", with the `fit` block
 * that carries `zipf_s`) and the scenario whose endpoints are the fitted
 * templates and weights. Both are YAML text for the CLI to write; both load
 * with loadProfile / loadScenario.
 */
import { basename } from 'node:path';
import { Document, visit } from 'yaml';
import type { Stage } from '../../scenario/profile.js';
import type { FitResult } from './fit.js';
import { roundSig } from './stats.js';

/** Milliseconds as a duration a profile accepts, in the largest exact unit: `1h`, `90m`, `45s`, `1500ms`. */
export const yamlDuration = (ms: number): string => {
  const r = Math.round(ms);
  if (r > 0 && r % 3_600_000 === 0) return `${r / 3_600_000}h`;
  if (r > 0 && r % 60_000 === 0) return `${r / 60_000}m`;
  if (r % 1000 === 0) return `${r / 1000}s`;
  return `${r}ms`;
};

/** `2015-05-17 10:05:03` in the given offset. */
export const localTime = (ms: number, offsetMin: number): string =>
  new Date(ms + offsetMin * 60_000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');

/** `+02:00`. */
export const offsetText = (offsetMin: number): string => {
  const a = Math.abs(offsetMin);
  return `${offsetMin < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
};

/** `3d 11h`, `2h 05m`, `42s`. */
export const spanText = (ms: number): string => {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
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

/** The `fit` block of the profile: what was learnt, with `zipf_s` (DESIGN.md). */
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
    `Fitted by \`prodshape fit\` from ${basename(f.file)} (${f.log.format}): ${f.requests.toLocaleString('en-US')} requests`,
    `from ${localTime(f.firstMs, f.offsetMin)} to ${localTime(f.lastMs, f.offsetMin)} (${offsetText(f.offsetMin)}), ${spanText(span)}.`,
    f.shape === 'day'
      ? `One average day (mean rate per hour of the day), ${f.stages.length} stage${f.stages.length === 1 ? '' : 's'}.`
      : `Rate curve in ${yamlDuration(f.curve.intervalS * 1000)} intervals, smoothed over ${f.curve.smoothWindow}; ${f.stages.length} stage${f.stages.length === 1 ? '' : 's'}` +
        ` (within ${(100 * f.stagesError).toFixed(1)}% RMS of the curve).`,
    `Mean ${roundSig(f.meanRps, 3)} req/s, peak ${roundSig(f.peakRps, 3)} req/s.` +
      (f.zipf === null ? '' : ` Zipf s = ${f.zipf.fit.s.toFixed(2)} over ${f.zipf.placeholder} popularity (${f.zipf.fit.quality} fit).`),
    `Play it faster with --speed (a ${spanText(span)} log at --speed 100 takes ${spanText(span / 100)}) and heavier with --rate-scale.`,
  ];
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

/** The scenario file's text: the fitted endpoints with weights in percent of all requests. */
export const scenarioYaml = (f: FitResult, name: string): string => {
  const kept = f.scenarioEndpoints;
  const keptShare = kept.reduce((s, t) => s + t.share, 0);
  const head = [
    `Fitted by \`prodshape fit\` from ${basename(f.file)}: the ${kept.length} most requested of ${f.endpoints.templates.length} endpoint templates`,
    `(${(100 * keptShare).toFixed(1)}% of ${f.requests.toLocaleString('en-US')} requests). Weights are percent of all requests.`,
    'Ids in paths are placeholders: {tenant} picks a tenant by its rows, {table.id} an id of that table.',
  ];
  if (f.zipf !== null) {
    head.push(`Popularity of ${f.zipf.placeholder === 'path' ? 'paths' : f.zipf.placeholder} fits Zipf s = ${f.zipf.fit.s.toFixed(2)} (${f.zipf.fit.quality}): ` +
      'generate the dataset with that exponent to match it.');
  }
  const doc = yamlBlock({
    name,
    endpoints: kept.map((t) => ({
      name: t.name,
      weight: Math.max(0.01, Math.round(t.share * 10_000) / 100),
      method: t.method,
      path: t.path,
    })),
  });
  return `${comment(head)}\n${doc}`;
};
