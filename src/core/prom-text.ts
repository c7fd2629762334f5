/**
 * Writing the Prometheus text exposition format (0.0.4): `# HELP`, `# TYPE`
 * and sample lines, with the format's escaping (label values: `\`, `"` and
 * newline; HELP text: `\` and newline). The reader in prom-parse.ts undoes
 * the same escapes. Pure.
 */

/** The Content-Type of a 0.0.4 text exposition. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'untyped';

/** One sample line: the family name plus `suffix` (`_bucket`, `_sum`, `_count` or ''), labels in the order written. */
export interface ExpositionSample {
  suffix?: string;
  labels: Record<string, string>;
  value: number;
}

/** A metric family: one HELP and TYPE line, then its samples. */
export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: ExpositionSample[];
}

/** Escapes a label value: backslash, double quote and line feed. */
export const escapeLabelValue = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** Escapes HELP text: backslash and line feed (quotes stay as they are). */
export const escapeHelp = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

/** A sample value as the format spells it: `+Inf`, `-Inf`, `NaN`, or the shortest decimal that reads back the same. */
export const formatSampleValue = (v: number): string =>
  Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v);

/** `{a="x",b="y"}` in the labels' own order, or '' without labels. */
export const formatLabels = (labels: Record<string, string>): string => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
};

/** The text of a whole exposition: each family's HELP, TYPE and samples, a newline after every line. */
export const formatExposition = (families: readonly MetricFamily[]): string => {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) lines.push(`${f.name}${s.suffix ?? ''}${formatLabels(s.labels)} ${formatSampleValue(s.value)}`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
};
