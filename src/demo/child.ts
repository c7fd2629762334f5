/**
 * The demo as a child process (`prodshape demo --port 0 --json`), for
 * `prodshape replay` without `--target`: a process of its own keeps the
 * demo's work off the load generator's event loop. The child stops when its
 * parent goes away (IPC channel), so an interrupted run never leaves it behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { monotonicClock, type WaitClock } from '../core/clock.js';
import { RunError } from '../core/errors.js';
import { nodeArgsFor } from '../core/module-start.js';
import { PACKAGE_ROOT } from '../core/paths.js';
import { registerSecret } from '../core/secrets.js';
import { withPasswordFrom } from '../pg/embedded.js';
import type { WarmResult } from './warm.js';

export interface DemoChildOptions {
  /** Pool size (`--pool`); the demo's default when undefined. */
  poolSize?: number;
  /** Wait for a pool connection before answering 503 (`--acquire-timeout`), ms; the demo's default when undefined. */
  acquireTimeoutMs?: number;
  /** Dataset scale (`--scale`); the demo's default when undefined. */
  scale?: number;
  /** PostgreSQL URL for the child (DATABASE_URL); the embedded server when null or undefined. */
  databaseUrl?: string | null;
  /** How long to wait for it to listen, ms (default 10 minutes: the first run generates and loads the dataset). */
  startTimeoutMs?: number;
  /** Each line the child writes to stderr (progress, admin actions). */
  log?: (line: string) => void;
  /** The start timeout's and the stop's SIGKILL timers [monotonicClock]. */
  clock?: WaitClock;
}

export interface DemoChild {
  url: string;
  /** The dataset directory (manifest.json) for replay's `--data`. */
  dataDir: string;
  backend: 'postgres' | 'pglite';
  poolSize: number;
  /**
   * The PostgreSQL the demo runs on, for the observer: the embedded server's
   * URL (its password read from the file the child names) or `databaseUrl`;
   * null on PGlite.
   */
  pgUrl: string | null;
  /** True when the child started the embedded PostgreSQL server (it stops it when it stops). */
  embeddedPg: boolean;
  /** How the child warmed its dashboard cache before listening (it always does when started from here). */
  warm: WarmResult | null;
  /** Stops the child (SIGTERM, then SIGKILL after 10 s) and waits for it to exit. */
  stop(): Promise<void>;
}

/** How to run this package's CLI: the built file, or the TypeScript source through tsx (tests). */
const cliCommand = (): string[] => {
  const built = join(PACKAGE_ROOT, 'dist', 'cli', 'main.js');
  if (!import.meta.url.endsWith('.ts') && existsSync(built)) return [built];
  return nodeArgsFor(join(PACKAGE_ROOT, 'src', 'cli', 'main.ts'));
};

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));

/**
 * The first line `child` writes to stdout (the demo's JSON line once it
 * listens); rejects when it exits or fails first, or when `timeoutMs` of
 * `clock` pass.
 */
export const firstLine = (child: ChildProcess, timeoutMs: number, clock: WaitClock): Promise<string> =>
  new Promise<string>((resolve, reject) => {
    const cancel = clock.after(timeoutMs, () => reject(new Error(`it did not start listening within ${timeoutMs / 1000} s`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      cancel();
      resolve(line);
    });
    child.once('exit', (code, signal) => {
      cancel();
      reject(new Error(`it exited (${signal ?? `code ${code}`}) before listening`));
    });
    child.once('error', (e) => {
      cancel();
      reject(e);
    });
  });

/** Starts `prodshape demo` on a free port; resolves once it listens. */
export const startDemoChild = async (opts: DemoChildOptions = {}): Promise<DemoChild> => {
  const args = [...cliCommand(), 'demo', '--port', '0', '--json'];
  if (opts.poolSize !== undefined) args.push('--pool', String(opts.poolSize));
  if (opts.scale !== undefined) args.push('--scale', String(opts.scale));
  if (opts.acquireTimeoutMs !== undefined) args.push('--acquire-timeout', `${opts.acquireTimeoutMs}ms`);
  const env = { ...process.env };
  if (opts.databaseUrl) env.DATABASE_URL = opts.databaseUrl;
  else delete env.DATABASE_URL;
  // Its own process group: a Ctrl-C in the terminal reaches the run (which then drains its requests), not the demo;
  // the run stops the demo afterwards, and the IPC channel stops it if the run dies.
  const child = spawn(process.execPath, args, { cwd: PACKAGE_ROOT, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: true });
  const tail: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    tail.push(line);
    if (tail.length > 20) tail.shift();
    opts.log?.(line);
  });
  const clock = opts.clock ?? monotonicClock;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (child.connected) child.disconnect();
    child.kill('SIGTERM');
    const cancelKill = clock.after(10_000, () => child.kill('SIGKILL'));
    await exited(child);
    cancelKill();
  };
  try {
    const first = await firstLine(child, opts.startTimeoutMs ?? 600_000, clock);
    const info = JSON.parse(first) as {
      url: string; data_dir: string; backend: DemoChild['backend']; pool_size: number; embedded_pg?: { url: string; password_file: string } | null;
      warm?: WarmResult | null;
    };
    const embedded = info.embedded_pg ?? null;
    const pgUrl = embedded !== null ? withPasswordFrom(embedded.url, embedded.password_file) : info.backend === 'postgres' ? opts.databaseUrl ?? null : null;
    if (pgUrl !== null) {
      registerSecret(pgUrl);
      registerSecret(decodeURIComponent(new URL(pgUrl).password));
    }
    return { url: info.url, dataDir: info.data_dir, backend: info.backend, poolSize: info.pool_size, pgUrl, embeddedPg: embedded !== null, warm: info.warm ?? null, stop };
  } catch (e) {
    await stop();
    throw new RunError('PS_DEMO_START', `the demo service did not start: ${e instanceof Error ? e.message : String(e)}${tail.length > 0 ? `\n  ${tail.join('\n  ')}` : ''}`, {
      hint: 'run `prodshape demo` alone to see its output; set PRODSHAPE_CACHE_DIR to a writable directory if the cache is the problem',
      cause: e,
    });
  }
};
