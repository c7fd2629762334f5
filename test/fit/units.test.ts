import { describe, expect, it } from 'vitest';
import { createRng, randExp } from '../../src/core/rng.js';
import { rateAtRps } from '../../src/scenario/profile.js';
import { createTimeBins } from '../../src/traffic/fit/bins.js';
import { chooseIntervalS, dispersion, rateCurve, smooth } from '../../src/traffic/fit/curve.js';
import { dailyShape } from '../../src/traffic/fit/daily.js';
import { curveToStages } from '../../src/traffic/fit/segments.js';
import { chiSquareSurvival, gammaQ, lnGamma, pearson } from '../../src/traffic/fit/stats.js';
import { fitZipf } from '../../src/traffic/fit/zipf.js';

/** Counts of M draws from Zipf(s) over N ranks (exact CDF inversion). */
const zipfCounts = (s: number, n: number, m: number, seed: number): number[] => {
  const cdf: number[] = [];
  let c = 0;
  for (let k = 1; k <= n; k++) cdf.push((c += Math.pow(k, -s)));
  const rng = createRng(seed);
  const counts = new Array<number>(n).fill(0);
  for (let i = 0; i < m; i++) {
    const u = rng() * c;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    counts[lo]!++;
  }
  return counts;
};

describe('Zipf fit', () => {
  it('recovers s within 0.1 over a range of exponents, sizes and sample counts (even with many ids seen once)', () => {
    for (const [s, n, m] of [[0.6, 2000, 20_000], [0.8, 1000, 50_000], [1.0, 10_000, 20_000], [1.1, 300, 100_000], [1.5, 5000, 50_000], [2.0, 500, 20_000]] as const) {
      const f = fitZipf(zipfCounts(s, n, m, 11));
      expect(f, `s=${s}`).not.toBeNull();
      expect(Math.abs(f!.s - s), `s=${s} fitted ${f!.s}`).toBeLessThan(0.1);
      expect(f!.quality, `s=${s}`).not.toBe('poor');
    }
  });

  it('calls a distribution that is not Zipf a poor fit', () => {
    // Two tiers: 10 ids share 80%, 990 share 20% evenly.
    const counts = [...new Array<number>(10).fill(8000), ...new Array<number>(990).fill(20)];
    expect(fitZipf(counts)?.quality).toBe('poor');
  });

  it('needs enough data', () => {
    expect(fitZipf([5, 4, 3])).toBeNull();
    expect(fitZipf([3, 2, 2, 1, 1, 1])).toBeNull();
  });
});

describe('numerics', () => {
  it('log-gamma, incomplete gamma and chi-square agree with known values', () => {
    expect(lnGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(lnGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    expect(gammaQ(1, 2)).toBeCloseTo(Math.exp(-2), 12);
    // Critical values: chi-square 23 dof at p = 0.05 is 35.172; at p = 0.001, 49.728.
    expect(chiSquareSurvival(35.172, 23)).toBeCloseTo(0.05, 3);
    expect(chiSquareSurvival(49.728, 23)).toBeCloseTo(0.001, 4);
    expect(chiSquareSurvival(3.841, 1)).toBeCloseTo(0.05, 3);
    expect(pearson([1, 2, 3, 4], [2, 4, 6, 8])).toBeCloseTo(1, 12);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNull();
  });
});

describe('time bins', () => {
  it('count out-of-order times, grow both ways, and coarsen when the span is long', () => {
    const b = createTimeBins(10_000);
    const t0 = Date.UTC(2024, 0, 1);
    for (const s of [100, 5, 50_000 / 10, 0, 99]) b.add(t0 + s * 1000);
    expect(b.resolutionS).toBe(1);
    expect(b.total).toBe(5);
    expect(b.length).toBe(5001);
    expect([b.at(0), b.at(5), b.at(99), b.at(100), b.at(5000)]).toEqual([1, 1, 1, 1, 1]);
    b.add(t0 + 20_000 * 1000); // beyond 10 000 bins at 1 s
    expect(b.resolutionS).toBe(60);
    let sum = 0;
    for (let i = 0; i < b.length; i++) sum += b.at(i);
    expect(sum).toBe(6);
    expect(b.firstMs).toBe(t0);
    expect(b.lastMs).toBe(t0 + 20_000_000);
  });
});

describe('rate curve', () => {
  it('chooses an interval that gives at most 120 points', () => {
    expect(chooseIntervalS(600)).toBe(5);
    expect(chooseIntervalS(3600)).toBe(30);
    expect(chooseIntervalS(2 * 86_400)).toBe(1800);
    expect(chooseIntervalS(83 * 3600)).toBe(3600);
    expect(chooseIntervalS(83 * 3600, 3600)).toBe(3600);
  });

  it('smooths with a triangular kernel that keeps flat curves flat', () => {
    expect(smooth([0, 4, 0], 3)).toEqual([4 / 3, 2, 4 / 3]);
    expect(smooth([2, 2, 2, 2], 5)).toEqual([2, 2, 2, 2]);
    expect(smooth([1, 5], 1)).toEqual([1, 5]);
  });

  it('joins a short last interval to the one before, and measures burstiness', () => {
    const rng = createRng(1);
    const b = createTimeBins();
    const t0 = Date.UTC(2024, 0, 1);
    let n = 0;
    for (let t = 0; t < 3600_000 + 40_000; t += randExp(rng, 100)) {
      b.add(t0 + t);
      n++;
    }
    const c = rateCurve(b, 600, 1);
    expect(c.durationsS.at(-1)).toBe(640);
    const full = rateCurve(b, 600, 1, 'full');
    expect(full.durationsS.at(-1)).toBe(600);
    expect(full.counts.reduce((a, x) => a + x, 0)).toBe(n);
    expect(c.counts.reduce((a, x) => a + x, 0)).toBe(n);
    expect(c.rawRps.every((r) => Math.abs(r - 10) < 1)).toBe(true);
    const d = dispersion(b, c);
    expect(d?.granularityS).toBe(60);
    expect(d?.index).toBeGreaterThan(0.5);
    expect(d?.index).toBeLessThan(2);
    // All the traffic of each 10 minutes in its first minute: very bursty.
    const burst = createTimeBins();
    for (let k = 0; k < 6; k++) for (let i = 0; i < 600; i++) burst.add(t0 + k * 600_000 + i * 100);
    expect(dispersion(burst, rateCurve(burst, 600, 1))?.index).toBeGreaterThan(100);
  });
});

describe('stages from a curve', () => {
  it('recovers holds and ramps with few stages, and respects the stage cap', () => {
    const rng = createRng(2);
    // 10 min at 100, a 10 min ramp to 400, 10 min at 400, a 2-minute spike to 900, 8 min at 100; 30 s intervals.
    const truth = (t: number): number => (t < 600 ? 100 : t < 1200 ? 100 + (300 * (t - 600)) / 600 : t < 1800 ? 400 : t < 1920 ? 900 : 100);
    const durations = new Array<number>(80).fill(30);
    const ys = durations.map((_, i) => truth(i * 30 + 15) * (1 + 0.02 * (rng() - 0.5)));
    const { stages } = curveToStages(durations, ys, { toleranceRps: 10 });
    expect(stages.length).toBeGreaterThanOrEqual(4);
    expect(stages.length).toBeLessThanOrEqual(8);
    const p = { stages };
    for (const t of [300, 900, 1500, 1860, 2100]) expect(Math.abs(rateAtRps(p, t * 1000) - truth(t))).toBeLessThan(25);
    expect(stages.reduce((s, st) => s + st.durationMs, 0)).toBe(2400_000);
    const capped = curveToStages(durations, ys, { toleranceRps: 0, maxStages: 3 }).stages;
    expect(capped.length).toBeLessThanOrEqual(3);
  });
});

describe('daily shape', () => {
  const t0 = Date.UTC(2024, 0, 1, 10, 30);
  const fill = (rate: (hourUtc: number) => number, days: number, seed: number) => {
    const rng = createRng(seed);
    const b = createTimeBins();
    const peak = 3;
    for (let t = 0; t < days * 86_400_000; t += randExp(rng, 1000 / peak)) {
      const h = new Date(t0 + t).getUTCHours();
      if (rng() * peak <= rate(h)) b.add(t0 + t);
    }
    return b;
  };

  it('finds a cycle that repeats, at the right hour in the given offset', () => {
    const b = fill((h) => (h >= 8 && h < 18 ? 2.5 : 0.5), 3, 4);
    const d = dailyShape(b, 120);
    expect(d?.cycle).toBe(true);
    expect([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]).toContain(d?.peakHour);
    expect(d?.peakToTrough).toBeGreaterThan(3);
    expect(d?.dayCorrelation).toBeGreaterThan(0.8);
  });

  it('finds none in flat traffic, however the log starts and ends', () => {
    const d = dailyShape(fill(() => 1, 2.5, 5), 0);
    expect(d?.cycle).toBe(false);
    expect(d?.peakToTrough).toBeLessThan(1.25);
    expect(dailyShape(fill(() => 1, 0.5, 6), 0)).toBeNull();
  });
});
