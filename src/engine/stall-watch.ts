/**
 * Machine stalls, seen from outside the engine's own work: a thread that only
 * sleeps STALL_PERIOD_MS at a time and notes every wake-up late by
 * STALL_MIN_MS or more. Such a wake-up means no CPU ran this process's thread
 * for that long: the host froze the virtual machine (a VM's CPU quota or
 * credits), a container hit its CPU limit, or other processes held every
 * core. The sending thread's own work (garbage collection, bookkeeping, a
 * busy event loop) does not delay this thread, so the stalls it counts are
 * the machine's, not the generator's. Part of the engine's run (run.ts): it
 * runs from before the shares settle to the end of the sends, and run.json's
 * `extra.machine_stalls` holds what it saw, so a schedule lag can be told
 * apart from the generator's own.
 *
 * Measured on a 2-core VM whose host throttles it (docs/benchmarks.md): two
 * threads spinning for 60 s were frozen 27 times for ~100 ms; a sleeping
 * thread like this one saw the freezes that lined up with the lag spikes of
 * the same run.
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { MachineStalls } from '../run/machine-stalls.js';

/** How long the watch thread sleeps between looks, ms. */
export const STALL_PERIOD_MS = 5;
/** A wake-up this much later than due (ms) is a stall: well above a scheduler's time slice (a few ms). */
export const STALL_MIN_MS = 20;
/** Stalls whose time is kept (the count and sums cover all of them). */
const KEEP = 200;

export interface StallWatch {
  /**
   * Stops the thread and returns the stalls that began at or after `t0EpochMs`. Idempotent: a later
   * call returns the first call's result (the run's failure paths stop it again).
   */
  stop(t0EpochMs: number): Promise<MachineStalls>;
}

/*
 * The thread's loop, as plain JavaScript (an eval worker: it starts in a few
 * ms, from the built package and from the sources alike). Shared memory:
 * ctl[0] is the stop flag; data holds [count, summed and longest length of
 * the stalls past the first KEEP, then start epoch ms and length ms of each
 * of the first KEEP].
 */
const LOOP = `
const { workerData } = require('node:worker_threads');
const { periodMs, minMs, keep } = workerData;
const ctl = new Int32Array(workerData.ctl);
const data = new Float64Array(workerData.data);
const epoch = () => performance.timeOrigin + performance.now();
let last = epoch();
while (Atomics.load(ctl, 0) === 0) {
  Atomics.wait(ctl, 0, 0, periodMs);
  const now = epoch();
  const lateMs = now - last - periodMs;
  if (lateMs >= minMs && Atomics.load(ctl, 0) === 0) {
    const i = data[0];
    if (i < keep) { data[3 + 2 * i] = last + periodMs; data[4 + 2 * i] = lateMs; }
    else { data[1] += lateMs; data[2] = Math.max(data[2], lateMs); }
    data[0] = i + 1;
  }
  last = now;
}
`;

const r1 = (x: number): number => Math.round(x * 10) / 10;

/** Starts the watch thread (unref'd: it never keeps the process alive). */
export const startStallWatch = (): StallWatch => {
  const ctl = new SharedArrayBuffer(4);
  const data = new SharedArrayBuffer(8 * (3 + 2 * KEEP));
  const worker = new Worker(LOOP, { eval: true, workerData: { periodMs: STALL_PERIOD_MS, minMs: STALL_MIN_MS, keep: KEEP, ctl, data } });
  worker.unref();
  const exited = once(worker, 'exit').catch(() => undefined);
  let stopped: Promise<MachineStalls> | null = null;
  const stopOnce = async (t0EpochMs: number): Promise<MachineStalls> => {
    // Held by the wait for its exit (unref'd, the process could end first).
    worker.ref();
    const flag = new Int32Array(ctl);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    await exited;
    const d = new Float64Array(data);
    const kept = Math.min(d[0] ?? 0, KEEP);
    const stalls: [number, number][] = [];
    // Those past the first KEEP (all after time zero: only the first few can come in the start-up before it).
    let total = d[1] ?? 0;
    let worst = d[2] ?? 0;
    for (let i = 0; i < kept; i++) {
      const at = d[3 + 2 * i] ?? 0;
      const ms = d[4 + 2 * i] ?? 0;
      if (at < t0EpochMs) continue;
      stalls.push([Math.round(at - t0EpochMs) / 1000, r1(ms)]);
      total += ms;
      worst = Math.max(worst, ms);
    }
    const count = stalls.length + Math.max(0, (d[0] ?? 0) - KEEP);
    return { min_ms: STALL_MIN_MS, count, total_ms: r1(total), worst_ms: r1(worst), stalls };
  };
  return { stop: (t0EpochMs) => (stopped ??= stopOnce(t0EpochMs)) };
};
