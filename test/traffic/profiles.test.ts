import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { loadProfile, peakRateRps, profileDurationMs, rateAtRps, transformProfile } from '../../src/scenario/profile.js';

const load = (name: string) => loadProfile(join(PACKAGE_ROOT, 'profiles', `${name}.yaml`));

describe('shipped profiles', () => {
  it.each(['monday-9am', 'post-deploy-cold', 'spike-3x', 'steady', 'breakpoint'])('%s loads and says at its top what it reproduces', async (name) => {
    const p = await load(name);
    expect(p.name).toBe(name);
    expect(p.description.length).toBeGreaterThan(120);
    expect(p.description.split('\n')[0]).toMatch(new RegExp(`^${name}: `));
  });

  it('monday-9am: a night trough with the release, a steep 9am ramp to ~4x, a 9-10am peak near 5x, then the rush passes', async () => {
    const p = await load('monday-9am');
    expect(profileDurationMs(p)).toBe(3_600_000);
    const trough = rateAtRps(p, 60_000);
    const rampStart = 18 * 60_000;
    const rampEnd = 23 * 60_000;
    expect(rateAtRps(p, rampEnd) / trough).toBeGreaterThan(3.8);
    expect(rateAtRps(p, rampEnd) / trough).toBeLessThan(4.6);
    // Steep: the 9am ramp climbs faster per minute than the early risers' ramp.
    const slope = (a: number, b: number): number => (rateAtRps(p, b - 1) - rateAtRps(p, a)) / ((b - a) / 60_000);
    expect(slope(rampStart, rampEnd)).toBeGreaterThan(3 * slope(12 * 60_000, rampStart));
    // The Monday-morning release in the night hours (the deploy, then its migration), optional so any scenario runs the profile.
    expect(p.events).toEqual([{ atMs: 6 * 60_000, action: 'deploy', optional: true }, { atMs: 12 * 60_000, action: 'migrate', optional: true }]);
    expect(rateAtRps(p, 6 * 60_000)).toBe(trough);
    expect(rateAtRps(p, 10 * 60_000)).toBe(trough);
    expect(peakRateRps(p) / trough).toBeGreaterThan(4.8);
    expect(peakRateRps(p) / trough).toBeLessThan(5.5);
    // The peak is bounded: by the last quarter hour the rush has passed (at most half the peak), so a saturated service can recover.
    expect(rateAtRps(p, 50 * 60_000)).toBeLessThanOrEqual(0.5 * peakRateRps(p));
    expect(rateAtRps(p, 59 * 60_000)).toBeGreaterThan(trough);
    // --speed 10 plays it in 6 minutes with the same rates.
    const fast = transformProfile(p, { speed: 10 });
    expect(profileDurationMs(fast)).toBe(360_000);
    expect(rateAtRps(fast, 2.3 * 60_000 - 1)).toBeCloseTo(rateAtRps(p, 23 * 60_000 - 10), 0);
  });

  it('post-deploy-cold fires deploy after two warm minutes; spike-3x steps to 3x and back', async () => {
    const cold = await load('post-deploy-cold');
    expect(cold.events).toEqual([{ atMs: 120_000, action: 'deploy', optional: false }]);
    expect(profileDurationMs(cold) - 120_000).toBeGreaterThanOrEqual(180_000);
    const spike = await load('spike-3x');
    expect(rateAtRps(spike, 90_000) / rateAtRps(spike, 30_000)).toBe(3);
    expect(rateAtRps(spike, 150_000)).toBe(rateAtRps(spike, 30_000));
    const bp = await load('breakpoint');
    expect(rateAtRps(bp, 599_999)).toBeGreaterThan(50 * rateAtRps(bp, 0));
  });
});
