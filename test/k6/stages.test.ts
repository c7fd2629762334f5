import { describe, expect, it } from 'vitest';
import { expectedArrivals, loadProfile, parseProfile, profileDurationMs, transformProfile } from '../../src/scenario/profile.js';
import {
  chooseTimeUnit, formatK6Duration, k6ExpectedIterations, k6StagesDurationMs, profileToK6Arrival, sizeVus,
} from '../../src/k6/stages.js';
import { allProfiles } from './profiles.js';

const SPIKE = `name: spike-3x
stages:
  - { duration: 30s, rate: 100 }
  - { duration: 20s, rate: 300 }
  - { duration: 30s, rate: 100 }
  - { duration: 60s, from: 100, to: 800 }
`;

describe('profile stages to ramping-arrival-rate', () => {
  it('turns holds, steps and ramps into k6 stages (steps are 0s stages)', () => {
    const a = profileToK6Arrival(parseProfile(SPIKE));
    expect(a.timeUnit).toBe('1s');
    expect(a.startRate).toBe(100);
    expect(a.stages.map((s) => [formatK6Duration(s.durationMs), s.target])).toEqual([
      ['30s', 100], ['0s', 300], ['20s', 300], ['0s', 100], ['30s', 100], ['1m', 800],
    ]);
    expect(k6ExpectedIterations(a)).toBe(39_000);
  });

  it('a ramp that starts away from the previous rate gets a step first', () => {
    const a = profileToK6Arrival(parseProfile('stages:\n  - { duration: 10s, rate: 5 }\n  - { duration: 10s, from: 50, to: 0 }\n'));
    expect(a.stages.map((s) => [s.durationMs, s.target])).toEqual([[10_000, 5], [0, 50], [10_000, 0]]);
    expect(k6ExpectedIterations(a)).toBe(50 + 250);
  });

  it('picks the shortest time unit that keeps every rate a whole number', () => {
    expect(chooseTimeUnit([100, 300]).label).toBe('1s');
    expect(chooseTimeUnit([0.5, 2]).label).toBe('10s');
    expect(chooseTimeUnit([1 / 6, 2]).label).toBe('1m');
    expect(chooseTimeUnit([1 / 60]).label).toBe('1m');
    expect(chooseTimeUnit([100 / 3]).label).toBe('1m'); // 2000 per minute
    // 1/7 per second is not whole in any unit: an hour gives 514.29 → 514, within 0.1%.
    const u = chooseTimeUnit([1 / 7, 1]);
    expect(u.label).toBe('1h');
    expect(u.error).toBeGreaterThan(0);
    expect(u.error).toBeLessThanOrEqual(1e-3);
  });

  it('formats k6 durations exactly', () => {
    expect(formatK6Duration(0)).toBe('0s');
    expect(formatK6Duration(850)).toBe('850ms');
    expect(formatK6Duration(90_000)).toBe('1m30s');
    expect(formatK6Duration(3_600_000 + 5 * 60_000)).toBe('1h5m');
    expect(formatK6Duration(8571.43)).toBe('8s571ms');
  });

  it('sizes VUs by Little\'s law', () => {
    const v = sizeVus(800, 100);
    expect(v.inflightAtPeak).toBe(80);
    expect(v.preAllocatedVUs).toBe(160);
    expect(v.maxVUs).toBe(800); // 10x the latency, 1 s, at 800/s
    expect(v.slowLatencyMs).toBe(1000);
    expect(sizeVus(2, 100).maxVUs).toBe(10); // floor for low rates
    expect(sizeVus(800, 100, 200)).toMatchObject({ maxVUs: 200, preAllocatedVUs: 160 });
    expect(sizeVus(800, 100, 50)).toMatchObject({ maxVUs: 50, preAllocatedVUs: 50 });
  });

  // The contract: the script makes as many requests as prodshape's own plan.
  const profiles = allProfiles();
  const transforms = [
    { speed: 1, rateScale: 1 },
    { speed: 10, rateScale: 1 },
    { speed: 7, rateScale: 0.37 },
    { speed: 3, rateScale: 2.5, durationLimitMs: 41_333 },
  ];
  it.each(profiles)('integrates to the same request count as expectedArrivals: %s', async (file) => {
    const profile = await loadProfile(file);
    for (const t of transforms) {
      const p = transformProfile(profile, t);
      const a = profileToK6Arrival(p);
      const want = expectedArrivals(p);
      const got = k6ExpectedIterations(a);
      // Rounding: stage boundaries to whole ms (< 0.5 ms × peak per boundary) and
      // rates to whole iterations per time unit (<= 0.1%).
      const tolerance = Math.max(1, want * (a.rateRoundingError + 1e-6) + a.stages.length * 0.001 * Math.max(...a.stages.map((s) => s.target)) / a.timeUnitS);
      expect(Math.abs(got - want), `${file} ${JSON.stringify(t)}: k6 ${got} vs prodshape ${want}`).toBeLessThanOrEqual(tolerance);
      expect(Math.abs(k6StagesDurationMs(a) - profileDurationMs(p))).toBeLessThanOrEqual(1);
      for (const st of a.stages) {
        expect(Number.isInteger(st.target) && st.target >= 0).toBe(true);
        expect(Number.isInteger(st.durationMs) && st.durationMs >= 0).toBe(true);
      }
    }
  });
});
