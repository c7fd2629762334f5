/**
 * Flags shared by the commands that read access logs (`fit`, `replay --log`):
 * how to read the log and which requests to keep. Each group is a yargs
 * options object plus a reader that turns parsed flags into library options.
 */
import type { Options } from 'yargs';
import { inputError } from '../core/errors.js';
import { formatExactDurationMs } from '../core/duration.js';
import { LOG_REPLAY_DEFAULTS } from '../traffic/logs/replay-source.js';
import { durationFlag } from './flags.js';
import type { LogFilterOptions } from '../traffic/logs/filter.js';
import type { LogReplayRunOptions } from '../app/log-replay.js';
import { LOG_FIELDS, LOG_FORMATS, type FieldMapping, type LogField, type LogSourceOptions } from '../traffic/logs/types.js';

/** How to read the log. */
export const logSourceFlags: Record<string, Options> = {
  format: { type: 'string', choices: [...LOG_FORMATS], default: 'auto', describe: 'log format (auto detects from the first lines)', group: 'Log:' },
  fields: { type: 'string', describe: 'JSON/CSV field mapping, e.g. time=ts,method=verb,path=url,status=code (CSV without header: indexes)', group: 'Log:' },
  'csv-header': { type: 'boolean', default: true, describe: 'the CSV log starts with a header line', group: 'Log:' },
  'csv-delimiter': { type: 'string', describe: 'CSV delimiter (default: detected)', group: 'Log:' },
  timezone: { type: 'string', describe: 'zone for times written without one: IANA name, UTC or +hh:mm (default UTC)', group: 'Log:' },
  strict: { type: 'boolean', default: false, describe: 'stop at the first line that does not parse', group: 'Log:' },
};

/** Which requests count. `writesDefault` is what happens without --method/--allow-writes. */
export const logFilterFlags = (writesDefault: boolean): Record<string, Options> => ({
  method: { type: 'string', array: true, describe: `methods to keep (default: ${writesDefault ? 'all' : 'GET, HEAD, OPTIONS'})`, group: 'Filter:' },
  'allow-writes': { type: 'boolean', default: writesDefault, describe: 'keep POST, PUT, PATCH, DELETE', group: 'Filter:' },
  path: { type: 'string', array: true, describe: 'keep paths matching a glob (/api/*, /api/**) or a regex (^/api/)', group: 'Filter:' },
  'exclude-path': { type: 'string', array: true, describe: 'drop paths matching a glob or regex', group: 'Filter:' },
  status: { type: 'string', array: true, describe: 'keep statuses: 200, 2xx, 200-299, !404 (comma-separated)', group: 'Filter:' },
  map: { type: 'string', array: true, describe: "rewrite paths: 'from=to' prefix, or '^regex=replacement'", group: 'Filter:' },
  'tenant-segment': { type: 'string', array: true, describe: 'path segment after which comes the tenant (default: tenants, accounts, orgs, …)', group: 'Filter:' },
});

/** Flag values as a flat list: repeated flags and comma-separated values both count. */
const strings = (v: unknown): string[] =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v])
    .map((x) => (typeof x === 'string' || typeof x === 'number' ? String(x) : ''))
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** `time=ts,path=url` → a field mapping; unknown fields are an InputError. */
export const parseFieldMapping = (spec: string | undefined): FieldMapping => {
  const out: FieldMapping = {};
  for (const part of strings(spec)) {
    const eq = part.indexOf('=');
    const field = part.slice(0, eq).trim();
    if (eq <= 0 || !(LOG_FIELDS as readonly string[]).includes(field) || part.slice(eq + 1).trim() === '') {
      throw inputError('--fields', `expected FIELD=COLUMN with FIELD one of ${LOG_FIELDS.join(', ')}, got ${JSON.stringify(part)}`);
    }
    out[field as LogField] = part.slice(eq + 1).trim();
  }
  return out;
};

/** Library options from the log flags. */
export const readLogSourceArgs = (argv: Record<string, unknown>): LogSourceOptions => ({
  format: (argv.format as LogSourceOptions['format']) ?? 'auto',
  fields: parseFieldMapping(argv.fields as string | undefined),
  csvHeader: argv['csv-header'] !== false,
  ...(typeof argv['csv-delimiter'] === 'string' ? { csvDelimiter: argv['csv-delimiter'] === '\\t' ? '\t' : argv['csv-delimiter'] } : {}),
  ...(typeof argv.timezone === 'string' ? { timezone: argv.timezone } : {}),
  strict: argv.strict === true,
});

/** Library options from the filter flags. */
export const readLogFilterArgs = (argv: Record<string, unknown>): LogFilterOptions & { tenantSegments?: string[] } => {
  const tenant = strings(argv['tenant-segment']);
  return {
    methods: strings(argv.method).map((m) => m.toUpperCase()),
    allowWrites: argv['allow-writes'] === true,
    paths: strings(argv.path),
    excludePaths: strings(argv['exclude-path']),
    statuses: strings(argv.status),
    // Maps may hold commas in a regex: one per flag.
    maps: (Array.isArray(argv.map) ? (argv.map as unknown[]) : argv.map === undefined ? [] : [argv.map]).filter((m): m is string => typeof m === 'string'),
    ...(tenant.length > 0 ? { tenantSegments: tenant } : {}),
  };
};

const JITTER = durationFlag('jitter', {
  default: formatExactDurationMs(LOG_REPLAY_DEFAULTS.jitterMs), describe: 'with --rate-scale: largest time shift of a duplicated arrival (log time)', group: 'Log replay (--log):',
}, { zeroOk: true });
const REORDER_WINDOW = durationFlag('reorder-window', {
  default: formatExactDurationMs(LOG_REPLAY_DEFAULTS.reorderWindowMs), describe: 'how far out of order log lines may be (log time)', group: 'Log replay (--log):',
}, { zeroOk: true });

/** Flags of `replay --log` beyond the replay's own: the log, the filters (safe methods by default), and the stream's knobs. */
export const logReplayFlags: Record<string, Options> = {
  ...Object.fromEntries(Object.entries(logSourceFlags).map(([k, v]) => [k, { ...v, group: 'Log replay (--log):' }])),
  ...Object.fromEntries(Object.entries(logFilterFlags(false)).map(([k, v]) => [k, { ...v, group: 'Log replay (--log):' }])),
  [JITTER.name]: JITTER.option,
  [REORDER_WINDOW.name]: REORDER_WINDOW.option,
  'max-endpoints': { type: 'number', default: LOG_REPLAY_DEFAULTS.maxEndpoints, describe: 'endpoints reported by template (the busiest); the rest are `other`', group: 'Log replay (--log):' },
};

/** The log part of `runLogReplay`'s options from the flags. */
export const readLogReplayArgs = (argv: Record<string, unknown>): LogReplayRunOptions['replay'] => {
  const { tenantSegments, ...filter } = readLogFilterArgs(argv);
  const jitterMs = JITTER.read(argv) ?? undefined;
  const reorderWindowMs = REORDER_WINDOW.read(argv) ?? undefined;
  return {
    source: readLogSourceArgs(argv),
    filter,
    ...(tenantSegments === undefined ? {} : { templates: { tenantSegments } }),
    ...(jitterMs === undefined ? {} : { jitterMs }),
    ...(reorderWindowMs === undefined ? {} : { reorderWindowMs }),
    ...(typeof argv['max-endpoints'] === 'number' ? { maxEndpoints: argv['max-endpoints'] } : {}),
  };
};
