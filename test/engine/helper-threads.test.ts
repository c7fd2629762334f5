/**
 * The helper threads at the lowest priority (src/engine/helper-threads.ts):
 * in a process of their own (lowering a test worker's threads would slow the
 * files that share it), read back from /proc as Linux keeps them.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { CLI, ensureBuilt, runBounded } from '../helpers/cli.js';
import { startServer, type TestServer } from './servers.js';

const linux = process.platform === 'linux';
/**
 * The priority a process started from this thread begins with: its own (0 on a plain run; another if
 * the suite itself runs under `nice`). Every thread of such a process has it until lowered.
 */
const START_NICE = getPriority();

/** The nice value of each thread of process `pid` (field 19 of /proc/PID/task/TID/stat), by thread id. */
const nicesOf = (pid: number): Map<number, number> => {
  const out = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      out.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
};

describe.runIf(linux)('helper threads at the lowest priority', () => {
  beforeAll(() => ensureBuilt());

  it('lowers every thread that exists but the main one to nice 19; a thread started after keeps the normal priority', () => {
    const mod = pathToFileURL(join(PACKAGE_ROOT, 'dist', 'engine', 'helper-threads.js')).href;
    // The child lowers its threads, starts a worker thread (as the engine's shares and stall watch are), and prints every thread's nice.
    const script = `
      const { readdirSync, readFileSync } = require('node:fs');
      const { Worker } = require('node:worker_threads');
      const nices = () => Object.fromEntries(readdirSync('/proc/self/task').map((t) => { const s = readFileSync('/proc/self/task/' + t + '/stat', 'utf8'); return [t, Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[16])]; }));
      import(${JSON.stringify(mod)}).then(({ lowerHelperThreads }) => {
        const before = nices();
        const lowered = lowerHelperThreads();
        const after = nices();
        const w = new Worker('setTimeout(() => {}, 300)', { eval: true });
        w.on('online', () => { console.log(JSON.stringify({ pid: process.pid, lowered, before, after, withWorker: nices() })); w.terminate(); });
      });`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    const x = JSON.parse(r.stdout) as { pid: number; lowered: number; before: Record<string, number>; after: Record<string, number>; withWorker: Record<string, number> };
    const others = Object.keys(x.before).filter((t) => Number(t) !== x.pid);
    // A Node process has V8's platform threads from its start: at least 4 besides the main thread.
    expect(others.length).toBeGreaterThanOrEqual(4);
    expect(Object.values(x.before).every((n) => n === START_NICE)).toBe(true);
    expect(x.lowered).toBe(others.length);
    expect(x.after[String(x.pid)]).toBe(START_NICE);
    for (const t of others) expect(x.after[t]).toBe(19);
    // The worker's thread is new: started by the main thread, it has the main thread's priority.
    const started = Object.keys(x.withWorker).filter((t) => !(t in x.after));
    expect(started.length).toBeGreaterThanOrEqual(1);
    for (const t of started) expect(x.withWorker[t]).toBe(START_NICE);
  });

  describe('in a replay run of the CLI', () => {
    let srv: TestServer;
    beforeAll(async () => {
      srv = await startServer();
    });
    afterAll(async () => {
      await srv.close();
    });

    /** Runs a 3-s replay with `flags` and returns the CLI's pid and its threads' nice values read 2 s after its start (mid-run). */
    const nicesMidRun = async (flags: string[]): Promise<{ pid: number; nices: Map<number, number> }> => {
      const dir = mkdtempSync(join(tmpdir(), 'ps-helper-threads-'));
      writeFileSync(join(dir, 'one.yaml'), 'name: one\nendpoints:\n  - { name: root, path: / }\n');
      writeFileSync(join(dir, 'p.yaml'), 'stages:\n  - { duration: 3s, rate: 50 }\n');
      let seen: Map<number, number> | null = null;
      let pid = 0;
      const r = await runBounded(process.execPath, [CLI, 'replay', '--scenario', join(dir, 'one.yaml'), '--profile', join(dir, 'p.yaml'), '--target', srv.url, '--out', join(dir, 'out'), ...flags], {
        onChild: (child) => {
          pid = child.pid ?? 0;
          // Read the threads in the run's middle: by then the stall watch has started (before time zero).
          setTimeout(() => {
            try {
              seen = nicesOf(pid);
            } catch {
              // the run ended first: `seen` stays null and the test fails below
            }
          }, 2000);
        },
      });
      expect(r.code).toBe(0);
      expect(seen).not.toBeNull();
      return { pid, nices: seen as unknown as Map<number, number> };
    };

    it('sends from a thread at the normal priority while the helper threads are at the lowest; the stall watch keeps the normal one', async () => {
      const { pid, nices } = await nicesMidRun([]);
      expect(nices.get(pid)).toBe(START_NICE);
      const lowered = [...nices.values()].filter((n) => n === 19).length;
      const normal = [...nices.entries()].filter(([t, n]) => t !== pid && n === START_NICE).length;
      expect(lowered).toBeGreaterThanOrEqual(4);
      // The stall watch's thread, started after the lowering.
      expect(normal).toBeGreaterThanOrEqual(1);
    });

    it('leaves every thread at the normal priority with --busy-poll (its sender never sleeps)', async () => {
      const { pid, nices } = await nicesMidRun(['--busy-poll']);
      expect(nices.size).toBeGreaterThanOrEqual(5);
      expect(nices.get(pid)).toBe(START_NICE);
      expect([...nices.values()].filter((n) => n !== START_NICE)).toEqual([]);
    });
  });
});
