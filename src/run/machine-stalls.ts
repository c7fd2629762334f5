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
 * makes its first D - lateMs late by more than that. Above 0.01 the stalls
 * alone put the lag's p99 over `lateMs` (sends are spread over the run's
 * time). Only the stalls whose length is kept count: a floor past 200.
 */
export const stalledShare = (m: MachineStalls, lateMs: number, durationMs: number): number => {
  if (durationMs <= 0) return 0;
  let late = 0;
  for (const [, ms] of m.stalls) late += Math.max(0, ms - lateMs);
  return Math.min(1, late / durationMs);
};

/** Stalls above this share of a run's instants (see stalledShare) make the lag's p99 the machine's. */
export const MACHINE_LAG_SHARE = 0.01;
