#!/usr/bin/env node
/** The `prodshape` executable: runs the CLI (cli.ts) on the process arguments. */
import { hideBin } from 'yargs/helpers';
import { main } from './cli.js';

process.exitCode = await main(hideBin(process.argv));
