/**
 * A parser for the Prometheus text exposition format (0.0.4) and the
 * OpenMetrics text that servers send on /metrics: samples with their labels,
 * plus the `# TYPE` of each family. Pure.
 *
 * Why not parse-prometheus-text-format (installed, 1.1.1): it folds every
 * label set of a histogram into one, dropping the labels (so per-route
 * durations collapse) and the `_sum`/`_count` of labelled histograms, loses a
 * last line without a newline, and accepts garbage silently. This one is small,
 * strict per line, and reports the lines it could not read instead of throwing,
 * so one bad line does not lose a scrape.
 */
import { escapeLabelValue } from './prom-text.js';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Timestamp on the line (ms), when given. */
  timestampMs: number | null;
}

export interface ParsedExposition {
  samples: Sample[];
  /** `# TYPE` per family name (lowercase: counter, gauge, histogram, summary, untyped, …). */
  types: Map<string, string>;
  /** Lines that could not be read: 1-based line number and why. */
  errors: { line: number; message: string }[];
}

/** Parses a sample value: a float, `+Inf`, `-Inf` or `NaN` (case-insensitive like Go's ParseFloat). */
export const parseValue = (text: string): number | null => {
  const t = text.trim();
  if (/^[+-]?\d+(\.\d*)?([eE][+-]?\d+)?$/.test(t)) return Number(t);
  if (/^[+-]?inf(inity)?$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(t)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) && !/^[+-]?0x[0-9a-f]+$/i.test(t)) return null;
  const v = Number(t);
  return Number.isNaN(v) ? null : v;
};

const SAMPLE = /^([A-Za-z_:][A-Za-z0-9_:]*)[ \t]*(?:\{((?:[^"}]|"(?:[^"\\]|\\.)*")*)\})?[ \t]*([^ \t{}]+)(?:[ \t]+([^ \t]+))?[ \t]*(?: # .*)?$/;
const LABEL = /[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*"((?:[^"\\]|\\.)*)"[ \t]*(,|$)/y;

const unescapeLabel = (v: string): string =>
  v.includes('\\') ? v.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c === '\\' || c === '"' ? c : `\\${c}`)) : v;

/** Parses the text between `{` and `}`; throws on anything that is not `name="value"` pairs. */
const parseLabels = (text: string): Record<string, string> => {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  let at = 0;
  while (at < text.length) {
    if (/^[ \t]*$/.test(text.slice(at))) break;
    LABEL.lastIndex = at;
    const m = LABEL.exec(text);
    if (m === null || m[1] === undefined) throw new Error(`malformed labels at column ${at + 1} of {${text}}`);
    labels[m[1]] = unescapeLabel(m[2] ?? '');
    at = LABEL.lastIndex;
  }
  return labels;
};

/** Parses one sample line; throws an Error with a reason when it is malformed. */
export const parseSampleLine = (line: string): Sample => {
  const m = SAMPLE.exec(line);
  if (m === null || m[1] === undefined || m[3] === undefined) throw new Error('expected `name{labels} value [timestamp]`');
  const value = parseValue(m[3]);
  if (value === null) throw new Error(`not a number: ${JSON.stringify(m[3])}`);
  let timestampMs: number | null = null;
  if (m[4] !== undefined) {
    const ts = Number(m[4]);
    if (!Number.isFinite(ts)) throw new Error(`not a timestamp: ${JSON.stringify(m[4])}`);
    timestampMs = ts;
  }
  return { name: m[1], labels: m[2] === undefined ? {} : parseLabels(m[2]), value, timestampMs };
};

/** Parses a whole exposition. Never throws: unreadable lines are listed in `errors`. */
export const parseExposition = (text: string): ParsedExposition => {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const errors: ParsedExposition['errors'] = [];
  const lines = text.split('\n');
  for (let k = 0; k < lines.length; k++) {
    const line = (lines[k] ?? '').replace(/\r$/, '').trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s+TYPE\s+(\S+)\s+(\S+)\s*$/.exec(line);
      if (m?.[1] !== undefined && m[2] !== undefined) types.set(m[1], m[2].toLowerCase());
      continue;
    }
    try {
      samples.push(parseSampleLine(line));
    } catch (e) {
      errors.push({ line: k + 1, message: (e as Error).message });
    }
  }
  return { samples, types, errors };
};

/** The series key stored in metrics.ndjson: `name`, or `name{a="x",b="y"}` with labels sorted by name. */
export const seriesKey = (name: string, labels: Record<string, string>): string => {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return name;
  return `${name}{${keys.map((k) => `${k}="${escapeLabelValue(labels[k] ?? '')}"`).join(',')}}`;
};

/** Splits a series key back into its metric name and label text (`{…}` or ''). */
export const seriesName = (key: string): string => {
  const b = key.indexOf('{');
  return b === -1 ? key : key.slice(0, b);
};

/** A series selector: a metric name, a name with labels, or a prefix ending in `*`. */
export interface SeriesSelector {
  prefix: boolean;
  name: string;
  /** Exact series key when the selector names labels. */
  key: string | null;
}

/** Parses selectors like `app_pool_in_use`, `app_pool_in_use{pool="main"}`, `cache_*`. */
export const parseSelector = (text: string): SeriesSelector => {
  const t = text.trim();
  if (t.endsWith('*')) return { prefix: true, name: t.slice(0, -1), key: null };
  if (t.includes('{')) {
    const s = parseSampleLine(`${t} 0`);
    return { prefix: false, name: s.name, key: seriesKey(s.name, s.labels) };
  }
  return { prefix: false, name: t, key: null };
};

/** Whether a series (its metric name and its key, `name{labels}` with labels sorted) is one the selector names. */
export const selectorMatches = (sel: SeriesSelector, name: string, key: string): boolean =>
  sel.prefix ? name.startsWith(sel.name) : sel.key !== null ? sel.key === key : sel.name === name;

/**
 * The sum of a scrape's values that a gauge selector matches (`name`: every
 * label set of that name; `name{labels}`: that series only), skipping
 * non-finite values; null when none matches.
 */
export const gaugeValue = (values: Record<string, number>, selector: string): number | null => {
  const sel = parseSelector(selector);
  let sum: number | null = null;
  for (const [k, v] of Object.entries(values)) {
    if (Number.isFinite(v) && selectorMatches(sel, seriesName(k), k)) sum = (sum ?? 0) + v;
  }
  return sum;
};
