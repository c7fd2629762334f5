/**
 * Format detection from the first lines of a log: JSON objects are nginx JSON,
 * CLF lines are combined (with referer and agent) or common, and lines split
 * evenly by one delimiter are CSV. Anything else asks for `--format`.
 */
import { inputError } from '../../core/errors.js';
import { sniffClf } from './clf.js';
import { headLines } from './lines.js';
import type { LogFormat } from './types.js';

/** CSV delimiters tried by detection, most likely first. */
export const CSV_DELIMITERS = [',', '\t', ';', '|'] as const;

const looksJson = (l: string): boolean => {
  const t = l.trim();
  return t.startsWith('{') && t.endsWith('}');
};

/**
 * The delimiter that splits the first line (the header) into more than one
 * field and at least 80% of the other lines into as many (a bad row or two
 * must not hide a CSV), ignoring quoted parts.
 */
export const sniffCsvDelimiter = (lines: string[]): string | null => {
  for (const d of CSV_DELIMITERS) {
    const counts = lines.map((l) => l.replace(/"(?:[^"]|"")*"/g, '').split(d).length);
    const first = counts[0] ?? 0;
    if (first > 1 && counts.filter((c) => c === first).length >= 0.8 * counts.length) return d;
  }
  return null;
};

/** Detects the format from sample lines (blank lines ignored). Null when unsure. */
export const detectFromLines = (sample: string[]): Exclude<LogFormat, 'auto'> | null => {
  const lines = sample.filter((l) => l.trim() !== '').slice(0, 20);
  if (lines.length === 0) return null;
  const majority = (n: number): boolean => n * 2 > lines.length;
  if (majority(lines.filter(looksJson).length)) return 'nginx-json';
  const clf = lines.map(sniffClf);
  if (majority(clf.filter((c) => c !== null).length)) {
    return clf.some((c) => c === 'combined') ? 'combined' : 'common';
  }
  // A trailing partial line from the sample cut must not spoil the CSV check.
  if (sniffCsvDelimiter(lines.length > 2 ? lines.slice(0, -1) : lines) !== null) return 'csv';
  return null;
};

/** Reads the head of `file` and detects its format; an InputError when it cannot tell. */
export const detectLogFormat = async (file: string): Promise<Exclude<LogFormat, 'auto'>> => {
  const head = await headLines(file, 21);
  const format = detectFromLines(head);
  if (format === null) {
    const first = head.find((l) => l.trim() !== '');
    throw inputError('--format', first === undefined ? 'the log is empty' : `cannot tell the log's format from its first lines (${JSON.stringify(first.slice(0, 120))})`, {
      file,
      line: first === undefined ? null : head.indexOf(first) + 1,
      hint: 'give --format combined, common, nginx-json or csv',
    });
  }
  return format;
};
