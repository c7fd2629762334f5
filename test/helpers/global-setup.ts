/**
 * Runs once before any test file: builds the CLI (dist/) when it is older than
 * src/, so that files running in parallel never race to build it.
 */
import { ensureBuilt } from './cli.js';

export default function setup(): void {
  ensureBuilt();
}
