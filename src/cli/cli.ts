/**
 * The `prodshape` command: parses arguments with yargs, dispatches to one file
 * per command (src/cli/*.ts), and maps typed errors to the exit codes of
 * docs/design.md "Exit codes" (0 ok, 1 input, 2 check failed, 3 run failed).
 */
import yargs from 'yargs';
import { EXIT, inputError } from '../core/errors.js';
import { reportError } from './output.js';
import { VERSION } from '../core/version.js';
import { generateCommand } from './generate.js';
import { replayCommand } from './replay.js';
import { reportCommand } from './report.js';
import { compareCommand } from './compare.js';
import { k6Command } from './k6.js';
import { fitCommand } from './fit.js';
import { plansCommand } from './plans.js';
import { demoCommand } from './demo.js';

export const main = async (argv: string[]): Promise<number> => {
  try {
    await yargs(argv)
      .scriptName('prodshape')
      .usage('$0 <command> [options]\n\nReproduce production-only performance bugs in staging.')
      .command(generateCommand)
      .command(replayCommand)
      .command(reportCommand)
      .command(compareCommand)
      .command(k6Command)
      .command(fitCommand)
      .command(plansCommand)
      .command(demoCommand)
      .demandCommand(1, 'Name a command: prodshape <command> --help shows its options.')
      .strict()
      .recommendCommands()
      .version(VERSION)
      .help()
      .alias('h', 'help')
      .wrap(Math.min(100, process.stdout.columns || 80))
      .fail((msg: string | undefined, e: Error | undefined) => {
        if (e) throw e;
        // Throwing (not just printing) keeps yargs from running the command's handler anyway.
        throw inputError('', msg ?? 'invalid usage', { hint: 'run with --help to see the options', code: 'PS_USAGE' });
      })
      .parseAsync();
  } catch (e) {
    return reportError(e);
  }
  return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
};

