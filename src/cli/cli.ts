/**
 * The `prodshape` command: parses arguments with yargs, dispatches to one file
 * per command (src/cli/*.ts), and maps typed errors to the exit codes of
 * docs/design.md "Exit codes" (0 ok, 1 input, 2 check failed, 3 run failed,
 * 4 interrupted).
 *
 * Each command's module is imported only when that command runs (its builder
 * and handler load it), so `--help`, `--version` and input errors do not pay
 * for the modules of the other commands (HTTP engine, PGlite, faker, …).
 */
import yargs, { type Argv, type CommandModule } from 'yargs';
import { EXIT, inputError } from '../core/errors.js';
import { reportError, setColorFlag } from './output.js';
import { VERSION } from '../core/version.js';
import { didYouMean, meantText } from '../core/did-you-mean.js';

/** What a command file exports: its options and what it does. */
type CommandBody = Pick<CommandModule<object, never>, 'builder' | 'handler'>;

interface CommandEntry {
  command: string;
  describe: string;
  load: () => Promise<CommandBody>;
}

/** Every command, in the order `--help` lists them. */
const COMMANDS: readonly CommandEntry[] = [
  { command: 'generate', describe: 'Build a production-shaped dataset (Zipfian tenants, realistic ages) to CSV/NDJSON or PostgreSQL', load: async () => (await import('./generate.js')).generateCommand as CommandBody },
  { command: 'replay', describe: 'Play production-shaped traffic against a target (open model) and report where latency breaks', load: async () => (await import('./replay.js')).replayCommand as CommandBody },
  { command: 'report [dir]', describe: 'Re-analyse a run directory: report.json, report.html and a summary (exit 2 when an SLO fails, 4 for an interrupted run)', load: async () => (await import('./report.js')).reportCommand as CommandBody },
  { command: 'compare <a> <b>', describe: 'What got slower from run A (before) to run B (after): per-endpoint p50/p95/p99 deltas, new breaks', load: async () => (await import('./compare.js')).compareCommand as CommandBody },
  { command: 'k6', describe: 'Export a scenario and profile to a TypeScript k6 script (k6 run, k6-operator)', load: async () => (await import('./k6.js')).k6Command as CommandBody },
  { command: 'fit', describe: 'Fit a profile (and a scenario) to an access log', load: async () => (await import('./fit.js')).fitCommand as CommandBody },
  { command: 'plans <action>', describe: 'Snapshot the plans of the scenario\'s critical queries, or check them against a snapshot (CI)', load: async () => (await import('./plans.js')).plansCommand as CommandBody },
  { command: 'demo', describe: 'Run the demo staging service (four planted production-only bugs) alone', load: async () => (await import('./demo.js')).demoCommand as CommandBody },
];

/** A yargs command whose module is imported when its builder runs (only for the command given). */
const lazyCommand = (entry: CommandEntry): CommandModule => ({
  command: entry.command,
  describe: entry.describe,
  builder: async (y: Argv) => {
    const { builder } = await entry.load();
    if (builder === undefined) return y;
    if (typeof builder === 'function') return (builder as (y: Argv) => Argv | PromiseLike<Argv>)(y);
    return y.options(builder);
  },
  handler: async (args) => {
    const { handler } = await entry.load();
    await (handler as (a: typeof args) => void | Promise<void>)(args);
  },
});

/**
 * A flag value that starts with `-` and a digit but is not a number (`--grace
 * -1s`) would be read by yargs as short flags (`-1 -s`); joined to its flag
 * (`--grace=-1s`) it reaches the command, which says what is wrong with it.
 */
export const joinNegativeValues = (argv: readonly string[]): string[] => {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const next = argv[i + 1];
    if (/^--[a-z][\w-]*$/i.test(a) && next !== undefined && /^-\d/.test(next) && !/^-\d+(\.\d+)?(e[+-]?\d+)?$/i.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
};

/** The text given for `--name` in `argv` (`--name V` or `--name=V`; the last one), or null. */
export const rawFlagText = (argv: readonly string[], name: string): string | null => {
  let text: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === `--${name}`) text = argv[i + 1] ?? '';
    else if (a.startsWith(`--${name}=`)) text = a.slice(name.length + 3);
  }
  return text;
};

/**
 * yargs reads a number option given text that is no number (`--rate-scale
 * abc`) as NaN, and a command's check would then say "got NaN": refused here
 * instead, with the text as it was typed.
 */
export const rejectNonNumbers = (parsed: Record<string, unknown>, argv: readonly string[]): void => {
  for (const [key, value] of Object.entries(parsed)) {
    // yargs keeps each option under its dashed and its camelCase name: the dashed one is checked.
    if (key.length < 2 || /[A-Z]/.test(key)) continue;
    const values = Array.isArray(value) ? (value as unknown[]) : [value];
    if (!values.some((v) => typeof v === 'number' && Number.isNaN(v))) continue;
    const text = rawFlagText(argv, key);
    throw inputError(`--${key}`, `expected a number, got ${text === null ? 'no number' : JSON.stringify(text)}`, { hint: 'run with --help to see the options', code: 'PS_USAGE' });
  }
};

/**
 * The long option names the parser knows at the point of failure (the
 * command's and the global ones, kebab-case): yargs passes its usage object
 * to a fail handler, whose descriptions are keyed by option name (every
 * option of ours has one, for --help).
 */
const optionNamesOf = (usage: unknown): string[] => {
  const get = (usage as { getDescriptions?: () => Record<string, unknown> } | null)?.getDescriptions;
  const keys = typeof get === 'function' ? Object.keys(get.call(usage)) : [];
  return keys.filter((k) => k.length > 1 && k === k.toLowerCase());
};

/**
 * yargs' "Unknown arguments: rate-scal, rateScal" as one line per misspelled
 * flag, with the nearest known flag when it is close enough to be a typo
 * (`--rate-scal` → did you mean `--rate-scale`?). Other messages pass as they are.
 */
export const withFlagSuggestions = (msg: string, known: readonly string[]): string => {
  const m = /^Unknown arguments?: (.+)$/.exec(msg);
  if (m === null) return msg;
  const names = (m[1] ?? '').split(', ').filter((n, _i, all) => !(/[A-Z]/.test(n) && all.includes(n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`))));
  return names.map((n) => {
    const flag = n.length === 1 ? `-${n}` : `--${n}`;
    return `unknown option ${flag}${meantText(didYouMean(n, known), 'flag')}`;
  }).join('; ');
};

/**
 * yargs renders the running command's whole help (every option, wrapped to
 * the terminal) each time a handler starts, and keeps it in case the handler
 * later asks for it. No handler of ours shows help, and that rendering is
 * about a quarter of a command's start (60-90 ms of ~0.35 s for `replay`, the
 * rest mostly Node and module loading): skipped. `--help` and usage errors
 * render help on their own path and are unchanged (test/cli/help.test.ts).
 */
const skipHelpCache = (inst: unknown): void => {
  const usage = (inst as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } })
    .getInternalMethods?.().getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => undefined;
};

export const main = async (argv: string[]): Promise<number> => {
  try {
    const args = joinNegativeValues(argv);
    let y = yargs(args)
      .scriptName('prodshape')
      .usage('$0 <command> [options]\n\nReproduce production-only performance bugs in staging.');
    for (const entry of COMMANDS) y = y.command(lazyCommand(entry));
    skipHelpCache(y);
    await y
      .demandCommand(1, 'Name a command: prodshape <command> --help shows its options.')
      .strict()
      .recommendCommands()
      .version(VERSION)
      .help()
      .alias('h', 'help')
      .option('color', { type: 'boolean', describe: 'colours in the output (default: on a TTY unless NO_COLOR is set; FORCE_COLOR=1 forces them); --no-color: none' })
      .middleware((a) => {
        rejectNonNumbers(a, args);
        setColorFlag(typeof a.color === 'boolean' ? a.color : undefined);
      })
      .wrap(Math.min(100, process.stdout.columns || 80))
      .fail((msg: string | undefined, e: Error | undefined, inst: unknown) => {
        if (e) throw e;
        // Throwing (not just printing) keeps yargs from running the command's handler anyway.
        throw inputError('', withFlagSuggestions(msg ?? 'invalid usage', optionNamesOf(inst)), { hint: 'run with --help to see the options', code: 'PS_USAGE' });
      })
      .parseAsync();
  } catch (e) {
    return reportError(e);
  }
  return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
};
