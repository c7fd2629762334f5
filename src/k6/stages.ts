/**
 * A profile's rate curve as k6's `ramping-arrival-rate` executor sees it.
 *
 * k6 semantics (lib/executor/ramping_arrival_rate.go): the rate starts at
 * `startRate` and each stage ramps linearly from the previous target to its
 * own `target` over its `duration`; a stage of duration 0 is an instant step.
 * Rates are integers per `timeUnit`, so fractional rates (after
 * `--rate-scale`, or a 0.5 rps baseline) pick a longer time unit that keeps
 * them exact. Iteration i starts when the area under the curve reaches i, so
 * a run makes floor(area) iterations: the same count as prodshape's
 * `expectedArrivals` for the profile, within rounding.
 *
 * Pure: a profile in, numbers out.
 */
import { peakRateRps, type Profile, type Stage } from '../scenario/profile.js';
import { formatExactDurationMs } from '../core/duration.js';

/** One k6 stage: ramp (or hold, when the target equals the previous one) to `target` over `durationMs`. */
export interface K6Stage {
  /** Whole milliseconds; 0 means an instant step. */
  durationMs: number;
  /** Iterations per time unit (an integer, as k6 requires). */
  target: number;
  /** What the stage does, in words, for the script's comments. */
  note: string;
}

/** The arrival part of a `ramping-arrival-rate` scenario. */
export interface K6Arrival {
  /** Iterations per time unit at the start (integer). */
  startRate: number;
  /** Length of the time unit in seconds (1, 10, 60, 600 or 3600). */
  timeUnitS: number;
  /** The same as a k6 duration string (`1s`, `1m`, …). */
  timeUnit: string;
  stages: K6Stage[];
  /** Largest relative error that rounding rates to integers per time unit introduced (0 when exact). */
  rateRoundingError: number;
}

/** Time units tried, shortest first: the first that represents every rate exactly wins. */
const TIME_UNITS: readonly { s: number; label: string }[] = [
  { s: 1, label: '1s' },
  { s: 10, label: '10s' },
  { s: 60, label: '1m' },
  { s: 600, label: '10m' },
  { s: 3600, label: '1h' },
];

const stageEnds = (st: Stage): [number, number] => (st.kind === 'hold' ? [st.rateRps, st.rateRps] : [st.fromRps, st.toRps]);

const relativeRoundingError = (rates: number[], unitS: number): number =>
  rates.reduce((worst, r) => {
    if (r <= 0) return worst;
    const scaled = r * unitS;
    return Math.max(worst, Math.abs(Math.round(scaled) - scaled) / scaled);
  }, 0);

/**
 * The shortest time unit in which every rate is an integer (within 1e-9), or
 * else the shortest whose rounding error is at most 0.1%, or else an hour.
 */
export const chooseTimeUnit = (ratesRps: number[]): { s: number; label: string; error: number } => {
  for (const tolerance of [1e-9, 1e-3]) {
    for (const u of TIME_UNITS) {
      const error = relativeRoundingError(ratesRps, u.s);
      if (error <= tolerance) return { ...u, error };
    }
  }
  const last = TIME_UNITS[TIME_UNITS.length - 1] ?? { s: 3600, label: '1h' };
  return { ...last, error: relativeRoundingError(ratesRps, last.s) };
};

const fmtRate = (rps: number): string => `${+rps.toFixed(3)}/s`;

/**
 * Converts a (transformed) profile's stages to k6 stages. Stage boundaries are
 * rounded to whole milliseconds from the cumulative time, so rounding never
 * accumulates over many stages. Discontinuities (a hold after a different
 * rate, a ramp that does not start where the previous stage ended) become a
 * 0-duration step first.
 */
export const profileToK6Arrival = (profile: Pick<Profile, 'stages'>): K6Arrival => {
  const rates = profile.stages.flatMap(stageEnds);
  const unit = chooseTimeUnit(rates);
  const toTarget = (rps: number): number => Math.round(rps * unit.s);
  const first = profile.stages[0];
  const startRate = first === undefined ? 0 : toTarget(stageEnds(first)[0]);
  const stages: K6Stage[] = [];
  let current = startRate;
  let elapsedMs = 0;
  let boundaryMs = 0;
  for (const st of profile.stages) {
    const [fromRps, toRps] = stageEnds(st);
    if (toTarget(fromRps) !== current) {
      stages.push({ durationMs: 0, target: toTarget(fromRps), note: `step to ${fmtRate(fromRps)}` });
    }
    elapsedMs += st.durationMs;
    const nextBoundaryMs = Math.round(elapsedMs);
    const note = st.kind === 'hold' ? `hold ${fmtRate(st.rateRps)}` : `ramp ${fmtRate(fromRps)} → ${fmtRate(toRps)}`;
    stages.push({ durationMs: nextBoundaryMs - boundaryMs, target: toTarget(toRps), note });
    boundaryMs = nextBoundaryMs;
    current = toTarget(toRps);
  }
  return { startRate, timeUnitS: unit.s, timeUnit: unit.label, stages, rateRoundingError: unit.error };
};

/**
 * The area under k6's rate curve: the number of iterations k6 starts over the
 * stages (it starts floor of this). Integrates exactly as k6 does: linear
 * between the previous target and each stage's target.
 */
export const k6ExpectedIterations = (a: Pick<K6Arrival, 'startRate' | 'timeUnitS' | 'stages'>): number => {
  let from = a.startRate;
  let total = 0;
  for (const st of a.stages) {
    total += ((st.durationMs / 1000) * (from + st.target)) / 2 / a.timeUnitS;
    from = st.target;
  }
  return total;
};

/** Total length of the k6 stages in ms. */
export const k6StagesDurationMs = (a: Pick<K6Arrival, 'stages'>): number => a.stages.reduce((s, st) => s + st.durationMs, 0);

/**
 * Formats milliseconds as a k6 (Go) duration: `0s`, `850ms`, `45s`, `2m`,
 * `1h30m`, `1m30s500ms`. Exact for whole milliseconds. prodshape's own exact
 * form is Go's syntax too: this is `formatExactDurationMs` (src/core/duration.ts).
 */
export const formatK6Duration: (ms: number) => string = formatExactDurationMs;

/** How many VUs k6 gets, from Little's law (concurrency = rate × latency). */
export interface VuSizing {
  peakRps: number;
  /** Latency the target is expected to answer in at the peak, ms. */
  expectedLatencyMs: number;
  /** Requests in flight at the peak if latency is as expected: peakRps × expectedLatencyMs. */
  inflightAtPeak: number;
  /** Twice the expected concurrency, so ordinary jitter never waits for a VU to be initialised. */
  preAllocatedVUs: number;
  /** Enough VUs for latency to grow to `slowLatencyMs` before k6 starts dropping iterations. */
  maxVUs: number;
  /** The latency at which `maxVUs` is exhausted at the peak rate, ms. */
  slowLatencyMs: number;
}

/**
 * Sizes the VU pool: `preAllocatedVUs = ceil(2 · peak · W)` and
 * `maxVUs = max(10, ceil(peak · max(10 · W, 1 s)))` unless `maxVUs` is given. When
 * every VU is busy k6 drops the iteration (`dropped_iterations`), which is
 * prodshape's `--max-inflight`: maxVUs is the in-flight cap.
 */
export const sizeVus = (peakRps: number, expectedLatencyMs: number, maxVUs?: number | null): VuSizing => {
  const inflightAtPeak = (peakRps * expectedLatencyMs) / 1000;
  const pre = Math.max(1, Math.ceil(2 * inflightAtPeak));
  const slowDefaultMs = Math.max(10 * expectedLatencyMs, 1000);
  // At least 10: a low-rate profile still gets room for a few slow responses.
  const max = maxVUs ?? Math.max(pre, 10, Math.ceil((peakRps * slowDefaultMs) / 1000));
  const preAllocatedVUs = Math.min(pre, max);
  return {
    peakRps,
    expectedLatencyMs,
    inflightAtPeak,
    preAllocatedVUs,
    maxVUs: max,
    slowLatencyMs: peakRps > 0 ? (max / peakRps) * 1000 : Infinity,
  };
};

/** Peak rate of the profile (re-exported for the script's sizing comment). */
export { peakRateRps };
