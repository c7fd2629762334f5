/**
 * The built CLI for end-to-end tests: `CLI` is dist/cli/main.js, and
 * `ensureBuilt()` runs `npm run build` when dist/ is missing or older than any
 * source file, so test files share one build (and never test a stale one).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/core/paths.js';

/** The built CLI's entry point. */
export const CLI = join(PACKAGE_ROOT, 'dist', 'cli', 'main.js');

const newestMs = (dir: string): number => {
  let max = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    max = Math.max(max, e.isDirectory() ? newestMs(p) : statSync(p).mtimeMs);
  }
  return max;
};

/** Builds unless dist/ is newer than every file in src/. */
export const ensureBuilt = (): void => {
  let builtMs = 0;
  try {
    builtMs = statSync(CLI).mtimeMs;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (builtMs < newestMs(join(PACKAGE_ROOT, 'src'))) execFileSync('npm', ['run', '-s', 'build'], { cwd: PACKAGE_ROOT, stdio: 'inherit' });
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
