/**
 * The platform's own stalls, for the lag benchmarks (bench/lag.ts,
 * bench/host-freeze.ts): worker threads that only read the clock in a loop,
 * each keeping a core busy, and every gap of at least `minGapMs` between two
 * readings of one thread (the thread was not running: the kernel or the
 * hypervisor took the core).
 */
import { Worker } from 'node:worker_threads';

/** One gap: when it began (ms after the thread started) and how long it was (ms). */
export type ClockGap = [atMs: number, ms: number];

const SPIN = `
const { workerData, parentPort } = require('node:worker_threads');
const t0 = performance.now();
const end = t0 + workerData.seconds * 1000;
let last = t0;
const gaps = [];
for (;;) {
  const t = performance.now();
  if (t - last >= workerData.minGapMs) gaps.push([last - t0, t - last]);
  last = t;
  if (t > end) break;
}
parentPort.postMessage(gaps);
`;

/** Runs `threads` clock-reading threads side by side for `seconds`; the gaps of each. */
export const clockGaps = (threads: number, seconds: number, minGapMs: number): Promise<ClockGap[][]> =>
  Promise.all(Array.from({ length: threads }, () => new Promise<ClockGap[]>((resolve, reject) => {
    const w = new Worker(SPIN, { eval: true, workerData: { seconds, minGapMs } });
    w.once('message', resolve);
    w.once('error', reject);
  })));
