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

const NAME_START = /[A-Za-z_:]/;
const NAME_CHAR = /[A-Za-z0-9_:]/;

/** Parses a sample value: a float, `+Inf`, `-Inf` or `NaN` (case-insensitive like Go's ParseFloat). */
export const parseValue = (text: string): number | null => {
  const t = text.trim();
  if (/^[+-]?inf(inity)?$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(t)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) && !/^[+-]?0x[0-9a-f]+$/i.test(t)) return null;
  const v = Number(t);
  return Number.isNaN(v) ? null : v;
};

/** Parses one sample line; throws an Error with a reason when it is malformed. */
export const parseSampleLine = (line: string): Sample => {
  let i = 0;
  const n = line.length;
  const fail = (why: string): never => {
    throw new Error(`${why} at column ${i + 1}`);
  };
  if (!NAME_START.test(line[0] ?? '')) fail('expected a metric name');
  while (i < n && NAME_CHAR.test(line[i] ?? '')) i++;
  const name = line.slice(0, i);
  const labels: Record<string, string> = {};
  const skipSpace = (): void => {
    while (i < n && (line[i] === ' ' || line[i] === '\t')) i++;
  };
  skipSpace();
  if (line[i] === '{') {
    i++;
    for (;;) {
      skipSpace();
      if (line[i] === '}') {
        i++;
        break;
      }
      const start = i;
      if (!NAME_START.test(line[i] ?? '')) fail('expected a label name');
      while (i < n && NAME_CHAR.test(line[i] ?? '')) i++;
      const key = line.slice(start, i);
      skipSpace();
      if (line[i] !== '=') fail('expected =');
      i++;
      skipSpace();
      if (line[i] !== '"') fail('expected a quoted label value');
      i++;
      let value = '';
      for (;;) {
        if (i >= n) fail('unterminated label value');
        const c = line[i++];
        if (c === '"') break;
        if (c === '\\') {
          const e = line[i++];
          value += e === 'n' ? '\n' : e === '\\' ? '\\' : e === '"' ? '"' : `\\${e ?? ''}`;
        } else value += c;
      }
      labels[key] = value;
      skipSpace();
      if (line[i] === ',') {
        i++;
        continue;
      }
      if (line[i] === '}') {
        i++;
        break;
      }
      fail('expected , or }');
    }
  }
  // OpenMetrics exemplars follow ` # `: not needed here.
  const rest = line.slice(i).split(' # ')[0]?.trim() ?? '';
  const parts = rest.split(/[ \t]+/).filter((p) => p !== '');
  if (parts.length === 0 || parts.length > 2) fail('expected a value and an optional timestamp');
  const value = parseValue(parts[0] ?? '');
  if (value === null) fail(`not a number: ${JSON.stringify(parts[0])}`);
  let timestampMs: number | null = null;
  if (parts[1] !== undefined) {
    const ts = Number(parts[1]);
    if (!Number.isFinite(ts)) fail(`not a timestamp: ${JSON.stringify(parts[1])}`);
    timestampMs = ts;
  }
  return { name, labels, value: value as number, timestampMs };
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

const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** The series key stored in metrics.ndjson: `name`, or `name{a="x",b="y"}` with labels sorted by name. */
export const seriesKey = (name: string, labels: Record<string, string>): string => {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return name;
  return `${name}{${keys.map((k) => `${k}="${escapeLabel(labels[k] ?? '')}"`).join(',')}}`;
};

/** Splits a series key back into its metric name and label text (`{…}` or ''). */
export const seriesName = (key: string): string => {
  const b = key.indexOf('{');
  return b === -1 ? key : key.slice(0, b);
};
