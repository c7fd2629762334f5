/**
 * Opening a log: detects the format (unless given), streams the file (plain or
 * gzip) and parses each line, counting what does not parse. Records come in
 * batches (one per chunk read) in file order, which is not quite time order:
 * see reorder.ts. Memory stays at one chunk whatever the file's size.
 */
import { parse as parseCsv } from 'csv-parse';
import { InputError, inputError } from '../../core/errors.js';
import { parseClfLine } from './clf.js';
import { detectLogFormat, sniffCsvDelimiter } from './detect.js';
import { headLines, lineBatches, openLogStream, streamError } from './lines.js';
import type { ParseOutcome } from './request-line.js';
import { createFieldPicker, DEFAULT_FIELD_NAMES, parseJsonLine, recordFromFields } from './structured.js';
import { zoneOffset, type ZoneOffset } from './time.js';
import type { FieldMapping, LogFormat, LogRecord, LogSourceOptions, LogStats } from './types.js';

/** An opened log: its counts (filled as records are consumed) and the records. */
export interface LogReader {
  file: string;
  format: Exclude<LogFormat, 'auto'>;
  stats: LogStats;
  /** Records in file order, in batches; each call reads the file from the start. */
  batches(): AsyncGenerator<LogRecord[]>;
}

const emptyStats = (format: Exclude<LogFormat, 'auto'>): LogStats => ({
  format, lines: 0, records: 0, blank: 0, malformed: 0, malformedSamples: [], unreplayable: {},
});

/** Folds one parse outcome into the stats; returns the record, or null. Throws in strict mode. */
const account = (
  o: ParseOutcome, text: string | (() => string), line: number, stats: LogStats, file: string, opts: LogSourceOptions,
): LogRecord | null => {
  if (o.kind === 'record') {
    stats.records++;
    return o.record;
  }
  if (o.kind === 'skip') {
    stats.unreplayable[o.reason] = (stats.unreplayable[o.reason] ?? 0) + 1;
    return null;
  }
  stats.malformed++;
  if (opts.strict) {
    throw new InputError([{ file, line, field: '', message: `not a valid ${stats.format} log line: ${o.reason}` }], {
      code: 'PS_LOG_MALFORMED', hint: 'without --strict, lines that do not parse are counted and skipped',
    });
  }
  const limit = opts.sampleLimit ?? 5;
  const samples = stats.malformedSamples;
  // CSV reports some bad rows ahead of the good rows before them: keep the lowest line numbers.
  if (samples.length < limit || line < (samples[samples.length - 1]?.line ?? Infinity)) {
    const t = typeof text === 'string' ? text : text();
    samples.push({ line, reason: o.reason, text: t.length > 200 ? `${t.slice(0, 200)}…` : t });
    samples.sort((a, b) => a.line - b.line);
    if (samples.length > limit) samples.length = limit;
  }
  return null;
};

async function* lineRecords(
  file: string, stats: LogStats, opts: LogSourceOptions, parseLine: (text: string, line: number) => ParseOutcome,
): AsyncGenerator<LogRecord[]> {
  for await (const lines of lineBatches(await openLogStream(file), file)) {
    const out: LogRecord[] = [];
    for (const text of lines) {
      const line = ++stats.lines;
      if (text.trim() === '') {
        stats.blank++;
        continue;
      }
      const r = account(parseLine(text, line), text, line, stats, file, opts);
      if (r !== null) out.push(r);
    }
    if (out.length > 0) yield out;
  }
}

async function* csvRecords(
  file: string, stats: LogStats, opts: LogSourceOptions, mapping: FieldMapping, zone: ZoneOffset, delimiter: string,
): AsyncGenerator<LogRecord[]> {
  const pick = createFieldPicker(mapping);
  let batch: LogRecord[] = [];
  // An error thrown inside a parser callback (strict mode) ends the read at the next chunk.
  const state: { failed: Error | null } = { failed: null };
  const parser = parseCsv({
    columns: opts.csvHeader ?? true, delimiter, bom: true, skip_empty_lines: true, skip_records_with_error: true,
    on_skip: (e, raw) => {
      const errLine: unknown = (e as { lines?: unknown } | undefined)?.lines;
      const line = typeof errLine === 'number' ? errLine : stats.lines + 1;
      try {
        account({ kind: 'bad', reason: e?.code === 'CSV_RECORD_INCONSISTENT_COLUMNS' ? 'wrong number of columns' : `invalid CSV (${e?.code ?? 'error'})` }, raw ?? '', line, stats, file, opts);
      } catch (err) {
        state.failed ??= err as Error;
      }
      return undefined;
    },
  });
  // csv-parse emits a chunk's records synchronously while it is written (flowing mode), and
  // `parser.info.lines` is then the line the record ends on: one await per chunk, not per record.
  parser.on('data', (record: Record<string, unknown>) => {
    const line = parser.info.lines;
    stats.lines = line;
    try {
      const r = account(recordFromFields(record, pick, zone, line), () => Object.values(record).join(delimiter), line, stats, file, opts);
      if (r !== null) batch.push(r);
    } catch (err) {
      state.failed ??= err as Error;
    }
  });
  const ended = new Promise<void>((resolve, reject) => {
    parser.once('end', resolve);
    parser.once('error', reject);
  });
  const write = (chunk: Buffer): Promise<void> =>
    new Promise<void>((resolve, reject) => parser.write(chunk, (e) => (e ? reject(e) : resolve())));
  const input = await openLogStream(file);
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      await write(chunk);
      if (state.failed !== null) throw state.failed;
      if (batch.length > 0) {
        const out = batch;
        batch = [];
        yield out;
      }
    }
    parser.end();
    await ended;
    if (state.failed !== null) throw state.failed;
  } catch (e) {
    throw e instanceof InputError ? e : streamError(file, e);
  } finally {
    input.destroy();
    parser.destroy();
  }
  if (batch.length > 0) yield batch;
}

/** Settles the CSV delimiter and checks the mapping against the header (or the need for indexes without one). */
const checkCsv = async (file: string, opts: LogSourceOptions, mapping: FieldMapping, setDelimiter: (d: string) => void): Promise<void> => {
  const head = (await headLines(file, 5)).filter((l) => l.trim() !== '');
  const delimiter = opts.csvDelimiter ?? sniffCsvDelimiter(head.slice(0, 4)) ?? ',';
  if (delimiter.length !== 1) throw inputError('--csv-delimiter', `expected one character, got ${JSON.stringify(delimiter)}`);
  setDelimiter(delimiter);
  if (opts.csvHeader === false) {
    const bad = Object.entries(mapping).filter(([, v]) => !/^\d+$/.test(v));
    if (mapping.time === undefined || (mapping.path === undefined && mapping.request === undefined) || bad.length > 0) {
      throw inputError('--fields', 'a CSV log without a header needs 0-based column indexes, at least for time and path, e.g. --fields time=0,method=1,path=2,status=3', { file });
    }
    return;
  }
  const columns = (head[0] ?? '').replace(/^\uFEFF/, '').split(delimiter).map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  const missing = Object.entries(mapping).filter(([, col]) => !columns.includes(col));
  if (missing.length > 0) {
    throw inputError('--fields', `no column named ${missing.map(([f, c]) => `"${c}" (for ${f})`).join(', ')} in the CSV header`, {
      file, line: 1, hint: `the header has: ${columns.join(', ')}`,
    });
  }
  if (mapping.time === undefined && !columns.some((c) => DEFAULT_FIELD_NAMES.time.includes(c))) {
    throw inputError('--fields', 'no time column found under its usual names', { file, line: 1, hint: `name it with --fields time=COLUMN (the header has: ${columns.join(', ')})` });
  }
};

/**
 * Opens a log: checks it can be read, detects the format when `auto`, and
 * returns a reader. Throws an InputError for an unreadable file, an unknown
 * format or an impossible CSV mapping.
 */
export const openLog = async (file: string, opts: LogSourceOptions = {}): Promise<LogReader> => {
  const format = opts.format === undefined || opts.format === 'auto' ? await detectLogFormat(file) : opts.format;
  const zone = zoneOffset(opts.timezone);
  const mapping = opts.fields ?? {};
  let csvDelimiter = opts.csvDelimiter ?? ',';
  if (format === 'csv') await checkCsv(file, opts, mapping, (d) => (csvDelimiter = d));
  const reader: LogReader = {
    file, format, stats: emptyStats(format),
    batches: () => {
      reader.stats = emptyStats(format);
      const stats = reader.stats;
      if (format === 'nginx-json') {
        const pick = createFieldPicker(mapping);
        return lineRecords(file, stats, opts, (t, l) => parseJsonLine(t, pick, zone, l));
      }
      if (format === 'csv') return csvRecords(file, stats, opts, mapping, zone, csvDelimiter);
      return lineRecords(file, stats, opts, parseClfLine);
    },
  };
  return reader;
};

/** All records of a reader, one at a time (convenience over `batches`). */
export async function* logRecords(reader: LogReader): AsyncGenerator<LogRecord> {
  for await (const batch of reader.batches()) yield* batch;
}
