/**
 * run.json's `extra.machine_stalls`: the times the machine, not the
 * generator, held a run's sends back (written by the engine's stall watch,
 * src/engine/stall-watch.ts; read by the analysis for the report's notes).
 */

/** What run.json's `extra.machine_stalls` holds. */
export interface MachineStalls {
  /** The smallest stall counted, ms. */
  min_ms: number;
  /** Stalls after time zero. */
  count: number;
  /** Their summed length and the longest, ms. */
  total_ms: number;
  worst_ms: number;
  /** When each began, s after time zero, with its length in ms: [s, ms] (the first 200 only; the count and sums cover all). */
  stalls: [number, number][];
}

/** run.json's `extra.machine_stalls`, when a run recorded it (older runs and k6 runs do not). */
export const machineStallsOf = (extra: Record<string, unknown> | undefined): MachineStalls | null => {
  const m = extra?.['machine_stalls'];
  if (typeof m !== 'object' || m === null) return null;
  const o = m as Record<string, unknown>;
  const num = (k: string): number | null => (typeof o[k] === 'number' && Number.isFinite(o[k]) ? o[k] : null);
  const minMs = num('min_ms');
  const count = num('count');
  const total = num('total_ms');
  const worst = num('worst_ms');
  if (minMs === null || count === null || total === null || worst === null) return null;
  const stalls = Array.isArray(o['stalls']) ? (o['stalls'] as unknown[]).filter((s): s is [number, number] => Array.isArray(s) && s.length === 2 && s.every((x) => typeof x === 'number')) : [];
  return { min_ms: minMs, count, total_ms: total, worst_ms: worst, stalls };
};

/**
 * The share (0-1) of a run's instants at which a send due then would leave
 * more than `lateMs` late because of the stalls alone: each stall of D ms
 * makes its first D - lateMs late by more than that. Only the stalls whose
 * length is kept count: a floor past 200.
 */
export const stalledShare = (m: MachineStalls, lateMs: number, durationMs: number): number => {
  if (durationMs <= 0) return 0;
  let late = 0;
  for (const [, ms] of m.stalls) late += Math.max(0, ms - lateMs);
  return Math.min(1, late / durationMs);
};

/**
 * The schedule lag p99 (ms) the stalls alone would give a run of
 * `durationMs` whose sends are spread over its time: the lag L with 1% of
 * the instants more than L late (stalledShare = 0.01); 0 when the stalls
 * cover less than 1% of the run. Found by bisection to 0.1 ms.
 */
export const stalledP99Ms = (m: MachineStalls, durationMs: number): number => {
  if (stalledShare(m, 0, durationMs) <= 0.01) return 0;
  let lo = 0;
  let hi = Math.max(0, ...m.stalls.map(([, ms]) => ms));
  while (hi - lo > 0.05) {
    const mid = (lo + hi) / 2;
    if (stalledShare(m, mid, durationMs) > 0.01) lo = mid;
    else hi = mid;
  }
  return Math.round(((lo + hi) / 2) * 10) / 10;
};

/**
 * Whether the machine, not the generator's own work, set a run's lag: the
 * stalls alone give at least half of the measured lag p99 (stalledP99Ms).
 */
export const machineSetLag = (stalledP99: number, lagP99Ms: number): boolean => lagP99Ms > 0 && stalledP99 >= lagP99Ms / 2;
