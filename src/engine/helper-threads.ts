/**
 * The sending thread before the process's helper threads, for a replay's
 * process (called by the CLI before the run starts, in the default mode, not
 * with `--busy-poll`; the engine's own threads, the worker shares and the
 * machine-stall watch, start after it and keep the normal priority).
 *
 * A Node process runs, besides its main thread, V8's helper threads
 * (concurrent compilation of hot functions, concurrent marking and parallel
 * scavenges of the garbage collector) and libuv's thread pool (file writes,
 * DNS). On a machine whose cores the target shares, these compete with the
 * sending thread when it wakes from a nap: if both cores are busy (the target
 * and a helper compiling), the wake-up can wait out the running thread's
 * time slice (2–3 ms late, traced at 40,000/s), and every arrival due
 * meanwhile goes out late. In a run's first seconds, while V8 compiles the
 * hot path, the longest late sends of a traced run came after such wake-ups.
 * Given the lowest priority (nice 19), a helper still runs whenever a core is
 * free, but a waking sender takes the core from it at once. Measured at
 * 40,000/s against nginx on 2 shared cores (docs/benchmarks.md, "Helper
 * threads at the lowest priority"): lag p99 of 6-s runs without a warm-up
 * 0.40–1.52 ms (median 0.74) against 1.03–1.32 ms (median 1.15).
 *
 * Linux only (a thread's nice value is its own there: `setpriority` on a
 * thread id); elsewhere a no-op. Not undone after the run: an unprivileged
 * process cannot raise a priority back, and the CLI's process ends with it.
 */
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import { isMainThread } from 'node:worker_threads';

/** The nice value given to the helper threads: the lowest priority there is. */
export const HELPER_NICE = 19;

/**
 * Gives every thread of this process that exists now, but the main thread,
 * nice HELPER_NICE. Returns how many it lowered (0 off Linux, or when called
 * from a worker thread, where the main thread could not be told apart).
 */
export const lowerHelperThreads = (): number => {
  if (process.platform !== 'linux' || !isMainThread) return 0;
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return 0;
  }
  let lowered = 0;
  for (const tid of tids) {
    // The main thread's id is the process id.
    if (Number(tid) === process.pid) continue;
    try {
      setPriority(Number(tid), HELPER_NICE);
      lowered++;
    } catch {
      // The thread ended since the listing.
    }
  }
  return lowered;
};
