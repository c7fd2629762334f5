/**
 * Arrival processes over a profile's rate curve (docs/algorithms.md §3, §4).
 *
 * Times are ms since the run's start, computed from that absolute origin, so
 * drift never accumulates. Both processes are pure given their random source.
 *
 * Splitting for `--workers N` (a `PlanShare`): a Poisson process of rate λ
 * split by independent random assignment is N independent Poisson processes
 * of rate λ/N, so worker i simply generates Poisson(λ/N) from its own seeded
 * stream. The constant process numbers its arrivals k = 0, 1, 2, … and worker
 * i takes those with k ≡ i (mod N): the union is exactly the whole schedule.
 */
import type { Rng } from '../core/rng.js';
import type { ArrivalProcess, Stage } from '../scenario/profile.js';

/** Which part of a plan one worker generates: `index` in [0, count). */
export interface PlanShare { index: number; count: number }

/** The whole plan (one worker). */
export const WHOLE_PLAN: PlanShare = { index: 0, count: 1 };

const stageMaxRps = (st: Stage): number => (st.kind === 'hold' ? st.rateRps : Math.max(st.fromRps, st.toRps));

/**
 * Non-homogeneous Poisson arrivals by Lewis–Shedler thinning, stage by stage:
 * candidates at the stage's peak rate M, each kept with probability λ(t)/M
 * (holds keep every candidate). Restarting at a stage boundary is exact
 * because the exponential is memoryless. Rates are divided by `share.count`.
 */
export function* poissonArrivals(stages: readonly Stage[], rng: Rng, share: PlanShare = WHOLE_PLAN): Generator<number, void, undefined> {
  let startMs = 0;
  for (const st of stages) {
    const endMs = startMs + st.durationMs;
    const peakPerMs = stageMaxRps(st) / share.count / 1000;
    if (peakPerMs > 0) {
      let t = startMs;
      for (;;) {
        t += -Math.log(1 - rng()) / peakPerMs;
        if (t >= endMs) break;
        if (st.kind === 'hold') {
          yield t;
        } else {
          const ratePerMs = (st.fromRps + ((st.toRps - st.fromRps) * (t - startMs)) / st.durationMs) / share.count / 1000;
          if (rng() * peakPerMs < ratePerMs) yield t;
        }
      }
    }
    startMs = endMs;
  }
}

/**
 * Evenly spaced arrivals: the k-th arrival (k = 0, 1, …) is where the integral
 * of the rate curve reaches k + 0.5, so every second holds as many arrivals as
 * its rate says (±1) and a ramp's spacing follows the ramp. This worker yields
 * the arrivals with k ≡ share.index (mod share.count).
 */
export function* constantArrivals(stages: readonly Stage[], share: PlanShare = WHOLE_PLAN): Generator<number, void, undefined> {
  let startMs = 0;
  let massBefore = 0;
  let k = share.index;
  for (const st of stages) {
    const durS = st.durationMs / 1000;
    const a = st.kind === 'hold' ? st.rateRps : st.fromRps;
    const b = st.kind === 'hold' ? st.rateRps : st.toRps;
    const mass = ((a + b) / 2) * durS;
    const slope = (b - a) / durS; // rps per second
    while (k + 0.5 < massBefore + mass) {
      const x = k + 0.5 - massBefore;
      // Solve a·τ + slope·τ²/2 = x for τ >= 0 (stable form; linear when slope is 0).
      const tauS = slope === 0 ? x / a : (2 * x) / (a + Math.sqrt(a * a + 2 * slope * x));
      yield startMs + Math.min(tauS * 1000, st.durationMs);
      k += share.count;
    }
    massBefore += mass;
    startMs += st.durationMs;
  }
}

/** The arrival times of a profile for one share of the plan. `rng` is only used by Poisson. */
export const arrivalTimes = (
  profile: { arrival: ArrivalProcess; stages: readonly Stage[] },
  rng: Rng,
  share: PlanShare = WHOLE_PLAN,
): Generator<number, void, undefined> =>
  profile.arrival === 'constant' ? constantArrivals(profile.stages, share) : poissonArrivals(profile.stages, rng, share);
