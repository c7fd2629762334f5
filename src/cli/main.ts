#!/usr/bin/env node
/**
 * The `prodshape` executable: runs the CLI (cli.ts) on the process arguments.
 * `prodshape --version` alone answers without loading yargs or any command
 * (the slowest part of a bare start); everything else goes through cli.ts.
 */
const args = process.argv.slice(2);
if (args.length === 1 && args[0] === '--version') {
  const { VERSION } = await import('../core/version.js');
  process.stdout.write(`${VERSION}\n`);
} else {
  const { main } = await import('./cli.js');
  process.exitCode = await main(args);
}
