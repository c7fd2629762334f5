/**
 * Where the schedule lag comes from, at one fixed rate: plays `--rate` (default
 * 1,000/s, Poisson) for `--seconds` (default 10) against nginx with
 * `--log-requests`, then prints the lag distribution (actual − intended send,
 * ms) and, for the sends late by more than `--late` ms (default 1), how they
 * group: by the gap before their arrival (the scheduler sleeps on a timer
 * before gaps over 2 ms, spins after gaps of 1-2 ms, naps before shorter
 * ones), by their place in the second, and in groups (late sends close
 * together: one stall). Before the run it measures the platform's own
 * stalls for as long (a thread that only reads the clock), to tell the
 * engine's lateness from the machine's.
 *
 *   npm run build && npx tsx bench/lag.ts [--rate N] [--seconds S] [--late MS] [--node] [--busy-poll]
 *
 * `--node` plays against a minimal node:http server instead of nginx;
 * `--busy-poll` runs prodshape with `--busy-poll` (the sending thread never sleeps).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clockGaps } from './clock-gaps.js';
import { startNginx, startNodeServer } from './replay-servers.js';

const flag = (name: string): string | undefined => process.argv.find((_a, i) => process.argv[i - 1] === `--${name}`);
const RATE = Number(flag('rate') ?? 1000);
const SECONDS = Number(flag('seconds') ?? 10);
const LATE_MS = Number(flag('late') ?? 1);
const CLI = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');

const work = mkdtempSync(join(tmpdir(), 'ps-lag-'));
writeFileSync(join(work, 's.yaml'), 'name: lag\nendpoints:\n  - { name: root, path: / }\n');
writeFileSync(join(work, 'p.yaml'), `arrival: poisson\nstages:\n  - { duration: ${SECONDS}s, rate: ${RATE} }\n`);
/**
 * The platform's own stalls, measured first for as long as the run: one thread
 * that only reads the clock in a loop, and every gap between two readings over
 * 0.3 ms (the thread was not running: the kernel or the hypervisor took the
 * core). A send due during a stall is late by the rest of it, whatever the
 * engine does; `lateShare` is the share of instants at which a stall still had
 * more than LATE_MS to go.
 */
const platformStalls = async (seconds: number): Promise<{ stalls: number; over1Ms: number; worstMs: number; lateShare: number }> => {
  const gaps = ((await clockGaps(1, seconds, 0.3))[0] ?? []).map(([, ms]) => ms);
  return {
    stalls: gaps.length,
    over1Ms: gaps.filter((g) => g > 1).length,
    worstMs: Math.max(0, ...gaps),
    lateShare: gaps.reduce((a, g) => a + Math.max(0, g - LATE_MS), 0) / (seconds * 1000),
  };
};

const target = process.argv.includes('--node') ? await startNodeServer() : await startNginx();
try {
  const stalls = await platformStalls(SECONDS);
  console.log(`platform (one thread reading the clock for ${SECONDS} s, before the run): ${stalls.stalls} stalls over 0.3 ms, ${stalls.over1Ms} over 1 ms, worst ${stalls.worstMs.toFixed(2)} ms; a send would be late by more than ${LATE_MS} ms at ${(stalls.lateShare * 100).toFixed(3)}% of instants`);
  const log = join(work, 'requests.ndjson');
  const child = spawn(process.execPath, [CLI, 'replay', '--scenario', join(work, 's.yaml'), '--profile', join(work, 'p.yaml'), '--target', target.url,
    '--out', join(work, 'run'), '--seed', '1', '--log-requests', log, ...(process.argv.includes('--busy-poll') ? ['--busy-poll'] : [])], { stdio: ['ignore', 'ignore', 'inherit'] });
  await new Promise((res) => child.on('close', res));
  const rows = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { intended_ms: number; sent_ms: number | null });
  rows.sort((a, b) => a.intended_ms - b.intended_ms);
  /** The scheduler's wait before an arrival, by the gap from the one before it (share.ts). */
  const pathOf = (gapMs: number): 'timer' | 'spin' | 'nap' => (gapMs > 2 ? 'timer' : gapMs >= 1 ? 'spin' : 'nap');
  const sends: { at: number; lag: number; path: 'timer' | 'spin' | 'nap' }[] = [];
  const allPaths = { timer: 0, spin: 0, nap: 0 };
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const path = pathOf(i > 0 ? r.intended_ms - rows[i - 1]!.intended_ms : Infinity);
    allPaths[path]++;
    if (r.sent_ms !== null) sends.push({ at: r.intended_ms, lag: r.sent_ms - r.intended_ms, path });
  }
  const quantile = (xs: number[], p: number): string => {
    const sorted = [...xs].sort((a, b) => a - b);
    return (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN).toFixed(3);
  };
  const lags = sends.map((x) => x.lag);
  const q = (p: number): string => quantile(lags, p);
  console.log(`${target.name} ${RATE}/s ${SECONDS} s: ${lags.length} sends; lag p50 ${q(0.5)} p90 ${q(0.9)} p99 ${q(0.99)} p99.9 ${q(0.999)} max ${q(1 - 1e-9)} ms`);
  console.log(`after the first second: p99 ${quantile(sends.filter((x) => x.at >= 1000).map((x) => x.lag), 0.99)} ms`);
  const late = sends.filter((x) => x.lag > LATE_MS);
  console.log(`late (> ${LATE_MS} ms): ${late.length} (${((late.length / lags.length) * 100).toFixed(2)}%)`);
  const latePaths = { timer: 0, spin: 0, nap: 0 };
  for (const l of late) latePaths[l.path]++;
  console.log('late by the wait before them (timer: gap > 2 ms, spin: 1-2 ms, nap: < 1 ms):', latePaths, 'all arrivals:', allPaths);
  const inSecond = new Array<number>(10).fill(0);
  for (const l of late) inSecond[Math.floor((l.at % 1000) / 100)]!++;
  console.log('late by tenth of the second:', inSecond.join(' '));
  // One stall: late sends less than 5 ms after the late send before them.
  const groups: { at: number; n: number; maxLag: number }[] = [];
  let prevAt = -Infinity;
  for (const l of late) {
    const g = groups[groups.length - 1];
    if (g !== undefined && l.at - prevAt < 5) {
      g.n++;
      g.maxLag = Math.max(g.maxLag, l.lag);
    } else groups.push({ at: l.at, n: 1, maxLag: l.lag });
    prevAt = l.at;
  }
  const multi = groups.filter((g) => g.n > 1);
  console.log(`in groups (late sends < 5 ms apart): ${multi.reduce((a, g) => a + g.n, 0)} sends in ${multi.length} groups`);
  console.log('the groups (start s : sends : worst ms):', multi.map((g) => `${(g.at / 1000).toFixed(3)}:${g.n}:${g.maxLag.toFixed(1)}`).join(' '));
  console.log('the 10 latest:', [...late].sort((a, b) => b.lag - a.lag).slice(0, 10).map((l) => `${(l.at / 1000).toFixed(3)}s +${l.lag.toFixed(2)}`).join(', '));
} finally {
  await target.stop();
}
