/**
 * Does the machine freeze a busy process? On a virtual machine whose host
 * caps or shares its CPU, every thread stops now and then for as long as the
 * host's accounting period (about 100 ms on a Linux host's CPU quota), and
 * nothing inside the machine shows it (no steal time on some hypervisors).
 * Such a freeze is schedule lag no generator can avoid, so a lag benchmark
 * needs to know whether the machine it runs on has them.
 *
 *   npx tsx bench/host-freeze.ts [--seconds 60] [--threads 1,2] [--rest 20]
 *
 * For each thread count it runs that many worker threads that only read the
 * clock in a loop (each keeps a core busy) for `--seconds`, after `--rest`
 * seconds of idle, and prints every gap of 50 ms or more between two readings
 * of one thread: the time (s into the run) and the length. On a machine that
 * is not frozen the gaps are a few ms at most (preemption by other
 * processes).
 */
import { clockGaps } from './clock-gaps.js';

const flag = (name: string): string | undefined => process.argv.find((_a, i) => process.argv[i - 1] === `--${name}`);
const SECONDS = Number(flag('seconds') ?? 60);
const THREADS = (flag('threads') ?? '1,2').split(',').map(Number);
const REST_S = Number(flag('rest') ?? 20);

console.log(`${SECONDS} s per run, ${REST_S} s idle before each; gaps of 50 ms or more in one thread's clock readings`);
for (const n of THREADS) {
  await new Promise((r) => setTimeout(r, REST_S * 1000));
  const perThread = await clockGaps(n, SECONDS, 50);
  const all = perThread.flat();
  const frozenMs = all.reduce((s, [, ms]) => s + ms, 0);
  console.log(`${n} busy thread${n === 1 ? '' : 's'}: ${all.length} freezes, ${Math.round(frozenMs)} ms in all (${((frozenMs / (n * SECONDS * 1000)) * 100).toFixed(1)}% of the threads' time)`);
  perThread.forEach((gaps, i) => console.log(`  thread ${i}: ${gaps.length === 0 ? 'none' : gaps.map(([atMs, ms]) => `${(atMs / 1000).toFixed(1)}s:${ms.toFixed(1)}ms`).join(' ')}`));
}
