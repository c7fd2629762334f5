/**
 * k6's `--out json` lines (grafana/k6 output/json): one JSON object per line,
 * either a metric definition
 *   {"type":"Metric","data":{"name":"http_req_duration","type":"trend","contains":"time",
 *    "thresholds":[],"submetrics":null},"metric":"http_req_duration"}
 * or a sample
 *   {"metric":"http_req_duration","type":"Point","data":{"time":"2024-05-09T14:34:45.239531499+02:00",
 *    "value":459.86,"tags":{"method":"GET","status":"200",…},"metadata":{…}}}
 * Field order varies between k6 versions; times are RFC 3339 with up to
 * nanoseconds and the runner's zone offset; time values are milliseconds.
 * HTTP samples are stamped with the request's end time.
 */

/** A metric definition line. */
export interface K6MetricLine {
  type: 'Metric';
  metric: string;
  /** `counter`, `gauge`, `rate` or `trend`. */
  metricType: string;
  /** `default`, `time` or `data`. */
  contains: string;
}

/** A sample line. */
export interface K6PointLine {
  type: 'Point';
  metric: string;
  /** Epoch milliseconds (fractional: sub-ms precision kept). */
  timeMs: number;
  value: number;
  tags: Record<string, string>;
}

export type K6Line = K6MetricLine | K6PointLine;

/** A line that is not one of k6's: why, for the count of malformed lines. */
export interface K6Malformed { error: string }

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Parses an RFC 3339 timestamp to epoch ms, keeping fractions of a ms.
 * Returns null when the text is not a timestamp.
 */
export const parseK6Time = (text: string): number | null => {
  const m = RFC3339.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (frac !== undefined) ms += Number(`0.${frac}`) * 1000;
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    ms -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  }
  return Number.isFinite(ms) ? ms : null;
};

const METRIC_KEY = '"metric":"';

/**
 * The metric a line is about, read without parsing the JSON (most lines are
 * metrics the importer does not use). Null when it cannot tell for sure (no
 * or several `"metric":"` keys, or an escaped name): parse the line instead.
 */
export const peekMetricName = (text: string): string | null => {
  const first = text.indexOf(METRIC_KEY);
  if (first < 0 || text.lastIndexOf(METRIC_KEY) !== first) return null;
  const start = first + METRIC_KEY.length;
  const end = text.indexOf('"', start);
  if (end < 0) return null;
  const name = text.slice(start, end);
  return name.includes('\\') ? null : name;
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses one line of k6 JSON output; a line that is not one is returned as `{ error }`. */
export const parseK6Line = (text: string): K6Line | K6Malformed => {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { error: `not JSON (${(e as Error).message})` };
  }
  if (!isRecord(raw) || typeof raw.metric !== 'string' || !isRecord(raw.data)) {
    return { error: 'expected {"type", "metric", "data"}' };
  }
  const data = raw.data;
  if (raw.type === 'Metric') {
    return {
      type: 'Metric',
      metric: raw.metric,
      metricType: typeof data.type === 'string' ? data.type : '',
      contains: typeof data.contains === 'string' ? data.contains : '',
    };
  }
  if (raw.type !== 'Point') return { error: `unknown line type ${JSON.stringify(raw.type)}` };
  const timeMs = typeof data.time === 'string' ? parseK6Time(data.time) : null;
  if (timeMs === null) return { error: `data.time is not an RFC 3339 time: ${JSON.stringify(data.time)}` };
  if (typeof data.value !== 'number' || !Number.isFinite(data.value)) return { error: 'data.value is not a number' };
  const tags: Record<string, string> = {};
  if (isRecord(data.tags)) {
    for (const [k, v] of Object.entries(data.tags)) if (typeof v === 'string') tags[k] = v;
  }
  return { type: 'Point', metric: raw.metric, timeMs, value: data.value, tags };
};
