import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { expectedArrivals, parseProfile, transformProfile } from '../../src/scenario/profile.js';
import { arrivalTimes, constantArrivals, poissonArrivals } from '../../src/traffic/arrivals.js';

/** Counts of arrivals per window of `windowMs`, over [0, totalMs). */
const countsPer = (times: Iterable<number>, windowMs: number, totalMs: number): number[] => {
  const counts = new Array<number>(Math.ceil(totalMs / windowMs)).fill(0);
  for (const t of times) counts[Math.floor(t / windowMs)]!++;
  return counts;
};
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: number[]): number => {
  const m = mean(xs);
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
};

const hold = (rate: number, duration = '300s', arrival = 'poisson'): string => `arrival: ${arrival}\nstages:\n  - { duration: ${duration}, rate: ${rate} }\n`;

describe('Poisson arrivals (thinning)', () => {
  it('has the profile\'s rate and a dispersion index near 1', () => {
    const p = parseProfile(hold(200));
    const counts = countsPer(poissonArrivals(p.stages, createRng(7, 'a')), 1000, 300_000);
    // 300 windows of Poisson(200): the mean is within 4 standard errors; the dispersion
    // index var/mean has standard error sqrt(2/299) ≈ 0.08, so [0.7, 1.3] is about 4σ.
    expect(Math.abs(mean(counts) - 200)).toBeLessThan(4 * Math.sqrt(200 / 300));
    const d = variance(counts) / mean(counts);
    expect(d).toBeGreaterThan(0.7);
    expect(d).toBeLessThan(1.3);
  });

  it('follows a ramp: counts per 5 s match the integral of the rate', () => {
    const p = parseProfile('stages:\n  - { duration: 60s, from: 0, to: 1000 }\n');
    const counts = countsPer(poissonArrivals(p.stages, createRng(3, 'ramp')), 5000, 60_000);
    counts.forEach((c, i) => {
      const expected = expectedArrivals(p, i * 5000, (i + 1) * 5000);
      // Poisson count: within 4.5 standard deviations (12 windows, false alarms ~1e-4).
      expect(Math.abs(c - expected)).toBeLessThan(4.5 * Math.sqrt(expected) + 1);
    });
  });

  it('lands steps where the profile says, before and after --speed', () => {
    const text = 'stages:\n  - { duration: 100s, rate: 100 }\n  - { duration: 100s, rate: 500 }\n';
    const p = parseProfile(text);
    const c1 = countsPer(poissonArrivals(p.stages, createRng(1, 's')), 1000, 200_000);
    expect(mean(c1.slice(0, 100))).toBeCloseTo(100, -1);
    expect(mean(c1.slice(100))).toBeCloseTo(500, -1);
    // --speed 10: the step moves to 10 s; rates stay.
    const fast = transformProfile(p, { speed: 10 });
    const c2 = countsPer(poissonArrivals(fast.stages, createRng(1, 's')), 1000, 20_000);
    expect(c2).toHaveLength(20);
    expect(mean(c2.slice(0, 10))).toBeGreaterThan(80);
    expect(mean(c2.slice(0, 10))).toBeLessThan(120);
    expect(mean(c2.slice(10))).toBeGreaterThan(450);
    expect(mean(c2.slice(10))).toBeLessThan(550);
    // The boundary is sharp: no 500/s second before 10 s, no 100/s second after.
    expect(Math.max(...c2.slice(0, 10))).toBeLessThan(200);
    expect(Math.min(...c2.slice(10))).toBeGreaterThan(350);
  });

  it('is reproducible from its seed and sorted', () => {
    const p = parseProfile(hold(50, '20s'));
    const a = [...poissonArrivals(p.stages, createRng(9, 'x'))];
    const b = [...poissonArrivals(p.stages, createRng(9, 'x'))];
    expect(a).toEqual(b);
    expect(a.every((t, i) => i === 0 || t >= a[i - 1]!)).toBe(true);
  });

  it('splits exactly between workers: each share is Poisson(rate/N)', () => {
    const p = parseProfile(hold(300, '200s'));
    const shares = [0, 1, 2].map((i) => [...poissonArrivals(p.stages, createRng(5, `w${i}`), { index: i, count: 3 })]);
    for (const s of shares) {
      const c = countsPer(s, 1000, 200_000);
      expect(Math.abs(mean(c) - 100)).toBeLessThan(4 * Math.sqrt(100 / 200));
      const d = variance(c) / mean(c);
      expect(d).toBeGreaterThan(0.65);
      expect(d).toBeLessThan(1.35);
    }
    const union = countsPer(shares.flat(), 1000, 200_000);
    const d = variance(union) / mean(union);
    expect(d).toBeGreaterThan(0.65);
    expect(d).toBeLessThan(1.35);
  });
});

describe('constant arrivals', () => {
  it('spaces arrivals evenly: dispersion near 0, exactly the rate each second', () => {
    const p = parseProfile(hold(200, '60s', 'constant'));
    const counts = countsPer(constantArrivals(p.stages), 1000, 60_000);
    expect(counts.every((c) => c === 200)).toBe(true);
    expect(variance(counts) / mean(counts)).toBeLessThan(0.05);
  });

  it('follows ramps: each second holds its integral (±1)', () => {
    const p = parseProfile('arrival: constant\nstages:\n  - { duration: 30s, from: 10, to: 310 }\n  - { duration: 10s, rate: 50 }\n');
    const counts = countsPer(arrivalTimes(p, createRng(1)), 1000, 40_000);
    counts.forEach((c, i) => expect(Math.abs(c - expectedArrivals(p, i * 1000, (i + 1) * 1000))).toBeLessThanOrEqual(1));
  });

  it('splits round-robin: the shares together are the whole schedule', () => {
    const p = parseProfile('arrival: constant\nstages:\n  - { duration: 10s, from: 100, to: 200 }\n');
    const whole = [...constantArrivals(p.stages)];
    const merged = [0, 1].flatMap((i) => [...constantArrivals(p.stages, { index: i, count: 2 })]).sort((a, b) => a - b);
    expect(merged).toEqual(whole);
  });
});
