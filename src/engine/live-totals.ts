/**
 * The live view's numbers (formatted by live.ts): counters summed over the
 * shares between two ticks of about a second. Each share sends its snapshot
 * on its own 1 s clock, not in step with the tick, so rates divide by the
 * time the snapshots cover (per share, on the run's clock), not by the time
 * between ticks: else a tick that caught no snapshot would show a second with
 * nothing offered, and the next one twice the rate.
 */
import { createHistogram, percentileMs, type Histogram } from '../run/histogram.js';
import type { LiveSnapshot } from './recorder.js';

/** One second of the live view. */
export interface LiveStatus {
  elapsedMs: number;
  totalMs: number;
  offeredRps: number;
  achievedRps: number;
  /** Latency percentiles of the requests completed in the last second. */
  p50Ms: number | null;
  p99Ms: number | null;
  /** Totals since the start. */
  errors: number;
  dropped: number;
  inflight: number;
  /** The profile's stage now (1-based `index` of `count`), when the plan comes from a profile (the use case adds it; the engine knows no profile). */
  stage?: { name: string | null; index: number; count: number } | null;
  /** The profile clock now ("09:12"), when the profile has one. */
  clock?: string | null;
}

/** A share's snapshot as the main thread receives it: `atMs` on the run's clock. */
export type ShareLive = Omit<LiveSnapshot, 'latency'> & { latency: Histogram; inflight: number; atMs: number };

export interface LiveTotals {
  add(share: number, l: ShareLive): void;
  /** The status since the last tick, or null when no snapshot came in since (nothing new to show). */
  tick(elapsedMs: number, totalMs: number): LiveStatus | null;
}

export const createLiveTotals = (shares: number): LiveTotals => {
  const sum = { offered: 0, ok: 0, errors: 0, dropped: 0, latency: createHistogram() };
  const inflight = new Array<number>(shares).fill(0);
  const spanMs = new Array<number>(shares).fill(0);
  const lastAtMs = new Array<number>(shares).fill(0);
  const totals = { errors: 0, dropped: 0 };
  return {
    add(share, l) {
      sum.offered += l.offered;
      sum.ok += l.ok;
      sum.errors += l.errors;
      sum.dropped += l.dropped;
      sum.latency.add(l.latency);
      inflight[share] = l.inflight;
      spanMs[share] = (spanMs[share] ?? 0) + Math.max(0, l.atMs - (lastAtMs[share] ?? 0));
      lastAtMs[share] = Math.max(lastAtMs[share] ?? 0, l.atMs);
    },
    tick(elapsedMs, totalMs) {
      const spans = spanMs.filter((ms) => ms > 0);
      if (spans.length === 0) return null;
      const dtS = Math.max(0.001, spans.reduce((a, b) => a + b, 0) / spans.length / 1000);
      spanMs.fill(0);
      const status: LiveStatus = {
        elapsedMs, totalMs,
        offeredRps: sum.offered / dtS, achievedRps: sum.ok / dtS,
        p50Ms: percentileMs(sum.latency, 50), p99Ms: percentileMs(sum.latency, 99),
        errors: (totals.errors += sum.errors), dropped: (totals.dropped += sum.dropped), inflight: inflight.reduce((a, b) => a + b, 0),
      };
      sum.offered = sum.ok = sum.errors = sum.dropped = 0;
      sum.latency.reset();
      return status;
    },
  };
};
