/**
 * Access-log records and the options of a log source (`replay --log`, `fit`: docs/logs.md).
 *
 * A log source turns the lines of an access log (Apache/nginx combined or
 * common, nginx JSON, CSV with a column mapping; plain or gzip) into
 * `LogRecord`s. Parsing never stops at a bad line: lines that do not parse are
 * counted in `LogStats` with the first few line numbers, and only `strict`
 * makes them fatal.
 */

/** Formats a log source understands. `auto` looks at the first lines. */
export const LOG_FORMATS = ['auto', 'combined', 'common', 'nginx-json', 'csv'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** One request read from a log line. */
export interface LogRecord {
  /** When the request was received, epoch milliseconds (UTC). */
  timeMs: number;
  /** Offset of the line's own timezone from UTC in minutes (+0200 → 120), or null when the time had none. */
  offsetMin: number | null;
  /** Upper-case method as logged (may be outside HttpMethod, e.g. PROPFIND). */
  method: string;
  /** Path and query as the client sent them (absolute-form URLs reduced to their path). */
  target: string;
  /** HTTP status, or null when the log has none. */
  status: number | null;
  /** Response body bytes, or null when unknown (`-`). */
  bytes: number | null;
  /** 1-based line number in the file (the record's first line for multi-line CSV). */
  line: number;
}

/** Field names a structured (JSON or CSV) log maps onto a record. */
export const LOG_FIELDS = ['time', 'method', 'path', 'query', 'request', 'status', 'bytes'] as const;
export type LogField = (typeof LOG_FIELDS)[number];

/** Where each field is in a structured record: a key (dotted for nested JSON) or a CSV column name or 0-based index. */
export type FieldMapping = Partial<Record<LogField, string>>;

/** How to read a log. */
export interface LogSourceOptions {
  /** Default `auto`. */
  format?: LogFormat;
  /** Field mapping for JSON and CSV logs; unmapped fields are looked up under their usual names. */
  fields?: FieldMapping;
  /** CSV: whether the first record is a header (default true). Without it `fields` must give column indexes. */
  csvHeader?: boolean;
  /** CSV delimiter (default: detected among `,` `;` tab `|`). */
  csvDelimiter?: string;
  /**
   * IANA timezone (or `UTC`, or an offset like `+02:00`) for times written without
   * one (ISO times without `Z`/offset, CSV dates). Default UTC.
   */
  timezone?: string;
  /** Stop at the first line that does not parse (an InputError naming file and line). Default false. */
  strict?: boolean;
  /** How many malformed lines to keep as examples (default 5). */
  sampleLimit?: number;
}

/** A line that did not parse. */
export interface MalformedLine {
  line: number;
  /** Why, in a few words (`no [time]`, `invalid JSON`, …). */
  reason: string;
  /** The line's text, cut to 200 characters. */
  text: string;
}

/** Counts of a read, updated as the source is consumed. */
export interface LogStats {
  /** The format actually used (after `auto` detection). */
  format: Exclude<LogFormat, 'auto'>;
  /** Physical lines (or CSV records) read, blank lines included. */
  lines: number;
  /** Records produced. */
  records: number;
  blank: number;
  /** Lines that did not parse as the format. */
  malformed: number;
  /** The first few malformed lines (at most `sampleLimit`). */
  malformedSamples: MalformedLine[];
  /**
   * Lines that parsed but name no request that can be replayed, by reason:
   * `no request line` (`"-"`, as for a 408), `bad request line` (TLS bytes on
   * a plain port and the like), `asterisk target` (`OPTIONS *`).
   */
  unreplayable: Record<string, number>;
}
