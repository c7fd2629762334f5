/**
 * Capacity math with Little's law (REFERENCE §5d): connections busy L = λ·W,
 * with λ the request rate and W the time each request holds a connection.
 * W is measured from the run, in order of preference:
 *  1. pool gauges (`in_use` per second ÷ requests per second per instance),
 *     over the seconds where the pool was not saturated (no one waiting,
 *     in_use below size), or all seconds when there are too few of those;
 *  2. pg_stat_activity (active + idle in transaction connections ÷ requests per
 *     second): server-side hold time across every instance;
 *  3. pg_stat_statements (execution time of the run ÷ requests): W_exec.
 * The peak λ is the highest 5-second mean of the offered rate (one second is
 * too noisy with Poisson arrivals). With `--instances N`, the run's traffic is
 * taken as the total over the N copies, and gauges scraped through the target
 * as one copy's (1/N of the traffic); the configured total is N × pool size.
 * Pure.
 */

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

/** Measures the hold time; null when no source has enough data. */
export const measureHold = (inp: CapacityInputs): { ms: number; source: HoldSource; seconds: number } | null => {
  const gauged = inp.seconds.filter((s) => s.poolInUse !== null && s.completedRps > 0);
  if (gauged.length > 0) {
    const calm = gauged.filter((s) => (s.poolWaiting ?? 0) === 0 && (s.poolSize === null || (s.poolInUse ?? 0) < s.poolSize));
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

const SOURCE_TEXT: Record<HoldSource, string> = {
  'pool-gauges': 'from the pool gauges',
  'pg-activity': 'from pg_stat_activity',
  'pg-statements': 'query execution time from pg_stat_statements',
};

const n0 = (x: number): string => Math.round(x).toLocaleString('en-US');
const ms1 = (x: number): string => (x >= 10 ? n0(x) : x.toFixed(1));

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
  const configuredText = configured === null
    ? 'the configured pool size is unknown (name its gauge in observe.pool.size)'
    : `${inp.instances} instance${inp.instances === 1 ? '' : 's'} x ${n0(poolSize ?? 0)} = ${n0(configured)} ${configured === 1 ? 'is' : 'are'} configured${configured < needed3x ? ', so the pool will queue at 3x' : ''}`;
  const serverText = inp.maxConnections === null ? '' : ` (the server allows ${n0(inp.maxConnections)})`;
  const sentence =
    `At the run's peak of ${n0(peak.value)} rps each request held a connection for ~${ms1(hold.ms)} ms (${SOURCE_TEXT[hold.source]}), ` +
    `so ~${n0(Math.ceil(busy))} connection${Math.ceil(busy) === 1 ? ' is' : 's are'} busy (L = λW); at 3x the peak (${n0(peak.value * 3)} rps) this needs ~${n0(needed3x)} connection${needed3x === 1 ? '' : 's'}; ` +
    `${configuredText}${serverText}.`;
  return {
    peak_rps: Math.round(peak.value * 100) / 100,
    peak_t_s: peak.at,
    hold_ms: Math.round(hold.ms * 1000) / 1000,
    hold_source: hold.source,
    hold_seconds: hold.seconds,
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
