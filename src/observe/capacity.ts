/**
 * Capacity math with Little's law (docs/algorithms.md §8): connections busy L = λ·W,
 * with λ the request rate and W the time each request holds a connection.
 * W is measured from the run, in order of preference:
 *  1. pool gauges (`in_use` per second ÷ requests per second per instance),
 *     over the seconds where the pool was not saturated (no one waiting,
 *     in_use below size), or all seconds when there are too few of those;
 *  2. pg_stat_activity (active + idle in transaction connections ÷ requests per
 *     second): server-side hold time across every instance;
 *  3. pg_stat_statements (execution time of the run ÷ requests): W_exec.
 * When the hold time while the pool was full is HOLD_GROWTH times the calm one
 * or more, the sentence says so instead of projecting to 3x: the requests wait
 * on something behind the pool, and λW at the calm W understates the need.
 * The peak λ is the highest 5-second mean of the offered rate (one second is
 * too noisy with Poisson arrivals). With `--instances N`, the run's traffic is
 * taken as the total over the N copies, and gauges scraped through the target
 * as one copy's (1/N of the traffic); the configured total is N × pool size.
 * Pure.
 */
import { round3 } from '../core/round.js';
import { fmtInt } from '../core/numbers.js';
import { fmtMs } from '../core/duration.js';

export type HoldSource = 'pool-gauges' | 'pg-activity' | 'pg-statements';

/** One second's observations. */
export interface CapacitySecond {
  t_s: number;
  offeredRps: number;
  /** Completed requests in this second (the throughput Little's law wants). */
  completedRps: number;
  /** Pool gauges (mean of the scrapes in this second), null when not scraped. */
  poolInUse: number | null;
  poolWaiting: number | null;
  poolSize: number | null;
  /** pg_stat_activity: active + idle-in-transaction client connections, null when not polled. */
  dbBusy: number | null;
}

export interface CapacityInputs {
  seconds: CapacitySecond[];
  /** Execution time of the run's statements (pg_stat_statements), ms, and the requests completed in the run. */
  statementsExecMs: number | null;
  requests: number;
  instances: number;
  maxConnections: number | null;
}

export interface Capacity {
  peak_rps: number;
  peak_t_s: number;
  /** Mean time a request holds a connection, ms. */
  hold_ms: number;
  hold_source: HoldSource;
  /** Seconds the hold time was measured over. */
  hold_seconds: number;
  /**
   * Hold time over the seconds the pool was full (someone waiting, or in_use at
   * its size), ms; null without pool gauges or with fewer than 5 such seconds.
   */
  hold_full_ms: number | null;
  /** Seconds the pool was full, and the mean requests per second completed in them (all instances). */
  full_seconds: number;
  full_completed_rps: number | null;
  /** hold_full_ms ÷ hold_ms ≥ HOLD_GROWTH: what runs behind the pool slowed down under load. */
  hold_grew: boolean;
  busy_at_peak: number;
  needed_at_peak: number;
  needed_at_3x: number;
  /** Largest pool size seen on the gauge (one instance), or null. */
  pool_size: number | null;
  instances: number;
  /** instances × pool_size, or null when the size is unknown. */
  configured: number | null;
  max_connections: number | null;
  /** The one sentence for the report. */
  sentence: string;
}

/** Highest mean of `xs` over `width` consecutive entries, and where it starts. */
export const peakMean = (xs: readonly number[], width = 5): { value: number; at: number } => {
  if (xs.length === 0) return { value: 0, at: 0 };
  const w = Math.min(width, xs.length);
  let sum = 0;
  for (let i = 0; i < w; i++) sum += xs[i] ?? 0;
  let best = { value: sum / w, at: 0 };
  for (let i = w; i < xs.length; i++) {
    sum += (xs[i] ?? 0) - (xs[i - w] ?? 0);
    if (sum / w > best.value) best = { value: sum / w, at: i - w + 1 };
  }
  return best;
};

/** Minimum evidence for a hold-time estimate: seconds and requests. */
const MIN_SECONDS = 5;
const MIN_REQUESTS = 50;

/** W = Σ busy / Σ rate over the given seconds, or null when there is too little to go on. */
const holdMs = (rows: readonly { busy: number; rate: number }[]): number | null => {
  const rate = rows.reduce((s, r) => s + r.rate, 0);
  if (rows.length < MIN_SECONDS || rate < MIN_REQUESTS) return null;
  return (rows.reduce((s, r) => s + r.busy, 0) / rate) * 1000;
};

/**
 * Hold time under load over hold time when calm, from which the pool's own
 * numbers no longer predict what more connections would do: the requests wait
 * on something behind the pool (the database's CPU, locks, a single-threaded
 * engine) that more connections do not add.
 */
export const HOLD_GROWTH = 1.5;

const gaugedSeconds = (inp: CapacityInputs): CapacitySecond[] => inp.seconds.filter((s) => s.poolInUse !== null && s.completedRps > 0);
const isCalm = (s: CapacitySecond): boolean => (s.poolWaiting ?? 0) === 0 && (s.poolSize === null || (s.poolInUse ?? 0) < s.poolSize);

/** Measures the hold time; null when no source has enough data. */
export const measureHold = (inp: CapacityInputs): { ms: number; source: HoldSource; seconds: number } | null => {
  const gauged = gaugedSeconds(inp);
  if (gauged.length > 0) {
    const calm = gauged.filter(isCalm);
    const use = calm.length >= MIN_SECONDS ? calm : gauged;
    const ms = holdMs(use.map((s) => ({ busy: s.poolInUse ?? 0, rate: s.completedRps / inp.instances })));
    if (ms !== null) return { ms, source: 'pool-gauges', seconds: use.length };
  }
  const polled = inp.seconds.filter((s) => s.dbBusy !== null && s.completedRps > 0);
  const dbMs = holdMs(polled.map((s) => ({ busy: s.dbBusy ?? 0, rate: s.completedRps })));
  if (dbMs !== null) return { ms: dbMs, source: 'pg-activity', seconds: polled.length };
  if (inp.statementsExecMs !== null && inp.requests >= MIN_REQUESTS) {
    return { ms: inp.statementsExecMs / inp.requests, source: 'pg-statements', seconds: inp.seconds.length };
  }
  return null;
};

/** The hold time over the seconds the pool was full, and what it completed then; null with fewer than 5 such seconds. */
export const measureFullHold = (inp: CapacityInputs): { ms: number; seconds: number; completedRps: number } | null => {
  const full = gaugedSeconds(inp).filter((s) => !isCalm(s));
  const ms = holdMs(full.map((s) => ({ busy: s.poolInUse ?? 0, rate: s.completedRps / inp.instances })));
  if (ms === null) return null;
  return { ms, seconds: full.length, completedRps: full.reduce((sum, s) => sum + s.completedRps, 0) / full.length };
};

const SOURCE_TEXT: Record<HoldSource, string> = {
  'pool-gauges': 'from the pool gauges',
  'pg-activity': 'from pg_stat_activity',
  'pg-statements': 'query execution time from pg_stat_statements',
};

const n0 = fmtInt;
/** A hold time in ms: one decimal below 10 (`6.0`), whole above. */

/** The capacity estimate and its sentence, or null when the run has no way to measure the hold time. */
export const computeCapacity = (inp: CapacityInputs): Capacity | null => {
  const hold = measureHold(inp);
  if (hold === null) return null;
  const peak = peakMean(inp.seconds.map((s) => s.offeredRps));
  if (peak.value <= 0) return null;
  const busy = (peak.value * hold.ms) / 1000;
  const sizes = inp.seconds.map((s) => s.poolSize).filter((x): x is number => x !== null);
  const poolSize = sizes.length > 0 ? Math.max(...sizes) : null;
  const configured = poolSize === null ? null : poolSize * inp.instances;
  const needed3x = Math.ceil(busy * 3);
  const configuredText = (withOutlook: boolean): string => configured === null
    ? 'the configured pool size is unknown (name its gauge in observe.pool.size)'
    : `${inp.instances} instance${inp.instances === 1 ? '' : 's'} x ${n0(poolSize ?? 0)} = ${n0(configured)} ${configured === 1 ? 'is' : 'are'} configured${withOutlook && configured < needed3x ? ', so the pool will queue at 3x' : ''}`;
  const serverText = inp.maxConnections === null ? '' : ` (the server allows ${n0(inp.maxConnections)})`;
  const full = hold.source === 'pool-gauges' ? measureFullHold(inp) : null;
  const grew = full !== null && full.ms >= HOLD_GROWTH * hold.ms;
  const conns = (n: number): string => `${n0(n)} connection${n === 1 ? '' : 's'}`;
  const sentence = grew
    ? `At the run's peak of ${n0(peak.value)} rps, at the ~${fmtMs(hold.ms)} each request held a connection when the pool had room (${SOURCE_TEXT[hold.source]}), ` +
      `~${conns(Math.ceil(busy))} would be busy (L = λW); but while the pool was full (${n0(full.seconds)} s) each request held one ~${fmtMs(full.ms)} ` +
      `(${(full.ms / hold.ms).toFixed(1)}x) and ~${n0(full.completedRps)} rps completed: what runs behind the pool slowed down under load, ` +
      `so more connections alone may not help (see the slow queries and plans); ${configuredText(false)}${serverText}.`
    : `At the run's peak of ${n0(peak.value)} rps each request held a connection for ~${fmtMs(hold.ms)} (${SOURCE_TEXT[hold.source]}), ` +
      `so ~${n0(Math.ceil(busy))} connection${Math.ceil(busy) === 1 ? ' is' : 's are'} busy (L = λW); at 3x the peak (${n0(peak.value * 3)} rps) this needs ~${conns(needed3x)}; ` +
      `${configuredText(true)}${serverText}.`;
  return {
    peak_rps: Math.round(peak.value * 100) / 100,
    peak_t_s: peak.at,
    hold_ms: round3(hold.ms),
    hold_source: hold.source,
    hold_seconds: hold.seconds,
    hold_full_ms: full === null ? null : round3(full.ms),
    full_seconds: full?.seconds ?? 0,
    full_completed_rps: full === null ? null : Math.round(full.completedRps * 100) / 100,
    hold_grew: grew,
    busy_at_peak: Math.round(busy * 100) / 100,
    needed_at_peak: Math.ceil(busy),
    needed_at_3x: needed3x,
    pool_size: poolSize,
    instances: inp.instances,
    configured,
    max_connections: inp.maxConnections,
    sentence,
  };
};
