/**
 * The built CLI for end-to-end tests: `CLI` is dist/cli/main.js, `BIN` the
 * package's `prodshape` command as npx runs it, and `ensureBuilt()` runs
 * `npm run build` when dist/ is missing or older than any source file, so
 * test files share one build (and never test a stale one).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { buildIfStale } from '../../scripts/build-if-stale.mjs';
import { PACKAGE_ROOT } from '../../src/core/paths.js';

/** The built CLI's entry point. */
export const CLI = join(PACKAGE_ROOT, 'dist', 'cli', 'main.js');

/** The package's `bin` (bin/prodshape.js): what `npx prodshape` runs. */
export const BIN = join(PACKAGE_ROOT, 'bin', 'prodshape.js');

/** Builds dist/ unless it is newer than every file in src/ (scripts/build-if-stale.mjs, as the launcher does). */
export const ensureBuilt = (): void => {
  buildIfStale(PACKAGE_ROOT);
};

/** What a CLI run printed and how it exited (null: killed by a signal). */
export interface CliRun { code: number | null; stdout: string; stderr: string }

/**
 * Runs `command args…` (stdin closed; `env` added to this process's), bounded:
 * killed and rejected after `timeoutMs` (default 45 s). `onChild` gets the
 * process as soon as it is spawned (to signal it).
 */
export const runBounded = (command: string, args: string[], opts: { env?: Record<string, string>; onChild?: (child: ChildProcess) => void; timeoutMs?: number } = {}): Promise<CliRun> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    opts.onChild?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} did not finish in time\n${stdout}\n${stderr}`));
    }, opts.timeoutMs ?? 45_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });

/** Runs the built CLI with `args`, bounded as `runBounded`. */
export const runCli = (args: string[], opts: { env?: Record<string, string>; onChild?: (child: ChildProcess) => void; timeoutMs?: number } = {}): Promise<CliRun> =>
  runBounded(process.execPath, [CLI, ...args], opts);
