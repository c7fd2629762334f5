/**
 * The flags more than one command takes, each defined once: its name, its
 * yargs option (type, default, help text), and the reader that validates the
 * parsed value (an InputError naming the flag, exit 1). A command lists them
 * with `option(FLAG)` (overriding the help text where its meaning is narrower)
 * and reads them with `FLAG.read(argv)`. Defaults come from the engine's
 * RUN_DEFAULTS, so the CLI shows and sends the numbers the engine would use.
 */
import type { Options } from 'yargs';
import { durationFlagMs, formatExactDurationMs } from '../core/duration.js';
import { inputError } from '../core/errors.js';
import { checkOutputDir, checkOutputFile } from '../core/out-paths.js';
import { RUN_DEFAULTS } from '../engine/defaults.js';
import { checkTransformFlags } from '../scenario/profile.js';

/**
 * A flag shared by commands. `read` takes the parsed arguments (yargs' `argv`).
 * The name and option keep their literal types so yargs types the parsed value.
 */
export interface Flag<T, N extends string = string, O extends Options = Options> {
  /** Without the dashes, as yargs knows it. */
  name: N;
  option: O;
  read: (argv: object) => T;
}

const flag = <T, const N extends string, const O extends Options>(name: N, option: O, read: (value: unknown, dashed: string) => T): Flag<T, N, O> =>
  ({ name, option, read: (argv) => read((argv as Record<string, unknown>)[name], `--${name}`) });

/** `[name, option]` for yargs' `.option(...)`, with `overrides` (a command's own help text, default) on top. */
export const option = <N extends string, O extends Options, const V extends Options = Record<never, never>>(f: Flag<unknown, N, O>, overrides = {} as V): [N, Omit<O, keyof V> & V] =>
  [f.name, { ...f.option, ...overrides }];

/**
 * A number > 0 (>= 0 with `zeroOk`; a whole number with `integer`), else an
 * InputError naming `dashed`.
 */
export const positiveNumber = (dashed: string, value: unknown, opts: { integer?: boolean; zeroOk?: boolean } = {}): number => {
  const v = typeof value === 'number' ? value : NaN;
  const ok = Number.isFinite(v) && (opts.zeroOk ? v >= 0 : v > 0) && (!opts.integer || Number.isInteger(v));
  if (!ok) throw inputError(dashed, `expected a ${opts.integer ? 'whole ' : ''}number ${opts.zeroOk ? '>= 0' : '> 0'}, got ${String(value)}`);
  return v;
};

/** A duration flag (`500ms`, `30s`, `5m`, `1h`) in ms, or null when not given. */
export const durationFlag = <const N extends string, const O extends Options>(name: N, option: O, opts: { zeroOk?: boolean } = {}): Flag<number | null, N, O & { type: 'string' }> =>
  flag(name, { ...option, type: 'string' as const }, (v, dashed) => (v === undefined ? null : durationFlagMs(dashed, v, opts)));

/** `--speed`: time divides by it; absent stays undefined (the caller may fit it, or default to RUN_DEFAULTS.speed). */
export const SPEED = flag('speed', { type: 'number', describe: 'compress time: 10 plays a 60-minute profile in 6 minutes' }, (v) => {
  const speed = v as number | undefined;
  checkTransformFlags({ speed });
  return speed;
});

/** `--rate-scale`: rates multiply by it (0 allowed: no traffic, a dry run of events); absent stays undefined. */
export const RATE_SCALE = flag('rate-scale', { type: 'number', describe: 'multiply every rate' }, (v) => {
  const rateScale = v as number | undefined;
  checkTransformFlags({ rateScale }, { zeroScale: true });
  return rateScale;
});

/** `--duration`: cut the (compressed) profile after this long. */
export const DURATION = durationFlag('duration', { describe: 'stop after this long (after --speed), e.g. 90s' });

/** `--scale` of a dataset: a number > 0 (multiplies rows and tenants); absent stays undefined (`max`: the command's upper bound). */
export const SCALE = flag('scale', { type: 'number', describe: "Multiplies every table's rows (and the number of tenants)" }, (v, dashed) => (v === undefined ? undefined : positiveNumber(dashed, v)));

/** `--seed` of a dataset: a whole number. */
export const SEED = flag('seed', { type: 'number', default: 1, describe: 'Seed: the same scenario, seed and scale give byte-identical output' }, (v, dashed) => {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw inputError(dashed, `expected a whole number, got ${String(v)}`);
  return v;
});

/** `--slo`, repeatable; checked where it is judged (it needs the scenario's endpoints). */
export const SLO = flag('slo', { type: 'string', array: true, describe: "SLO to check, repeatable: 'p99<300ms', 'list-orders:p95<100ms', 'errors<1%'" },
  (v) => (Array.isArray(v) ? v : [v]).filter((x): x is string | number => typeof x === 'string' || typeof x === 'number').map(String));

/** `--target`: the base URL of the service under test (the safety rule is checked where it is reached). */
export const TARGET = flag('target', { type: 'string', describe: 'base URL of the service under test (loopback/private networks only unless --allow-remote)' },
  (v) => (typeof v === 'string' ? v : undefined));

/** `--allow-remote`: a target outside loopback and private networks. */
export const ALLOW_REMOTE = flag('allow-remote', { type: 'boolean', default: false, describe: 'allow a target outside loopback and private networks' }, (v) => v === true);

/** `--force`: write over what an output flag names. */
export const FORCE = flag('force', { type: 'boolean', default: false, describe: 'overwrite existing outputs' }, (v) => v === true);

/** `--out`: a directory or a file, by command (each says which in its help text); undefined when not given. */
export const OUT = flag('out', { type: 'string' }, (v) => (typeof v === 'string' ? v : undefined));

/** Reads `--out` as a directory and checks it with `--force`. */
export const readOutDir = (argv: object): string | undefined => {
  const dir = OUT.read(argv);
  if (dir !== undefined) checkOutputDir(dir, '--out', FORCE.read(argv));
  return dir;
};

/** Reads `--out` as a file and checks it with `--force`. */
export const readOutFile = (argv: object): string | undefined => {
  const file = OUT.read(argv);
  if (file !== undefined) checkOutputFile(file, '--out', FORCE.read(argv));
  return file;
};

/** `--grace`: how long in-flight requests may finish after a stop. */
export const GRACE = durationFlag('grace', {
  default: formatExactDurationMs(RUN_DEFAULTS.graceMs),
  describe: 'after Ctrl-C, SIGTERM or a dead target, how long in-flight requests may finish (those still waiting then count as aborted)',
});
