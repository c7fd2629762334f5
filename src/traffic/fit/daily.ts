/**
 * The daily shape of a log that spans a day or more: the mean rate at each
 * hour of the day (local to the log's own timezone offset) over the hours the
 * log covers whole, so a log starting at 10:00 does not fake a cycle by
 * counting the afternoon one more time than the night, and a log ending at
 * 21:05 does not turn five minutes of requests into an hour's rate.
 *
 * Whether there is a real cycle is judged on three counts: the hourly counts
 * differ beyond Poisson noise (chi-square, p < 0.001), the peak hour is at
 * least 1.25x the trough, and, with two or more days, each day's shape
 * correlates (≥ 0.5) with the other days' mean (a cycle repeats; bursts do not).
 */
import type { TimeBins } from './bins.js';
import { chiSquareSurvival, pearson } from './stats.js';

export interface DailyShape {
  /** Offset from UTC of the hours below, minutes. */
  offsetMin: number;
  /** Mean requests/s at each local hour 0…23. */
  hourlyRps: number[];
  /** Seconds of log covering each hour of the day. */
  exposureS: number[];
  peakHour: number;
  troughHour: number;
  peakToTrough: number;
  peakToMean: number;
  /** Chi-square of hourly counts against a flat day (23 degrees of freedom) and its p-value under Poisson arrivals. */
  chi2: number;
  pValue: number;
  /** Mean correlation of each day's shape with the other days' (days covering ≥ 12 hours); null with fewer than 2 such days. */
  dayCorrelation: number | null;
  /** Days with at least 12 hours of coverage. */
  days: number;
  /** True when the three tests above all say there is a cycle. */
  cycle: boolean;
}

const HOUR_S = 3600;
const DAY_S = 86_400;

/** One local day's requests and covered seconds per hour of the day. */
interface DayHours { c: number[]; e: number[] }

/** Requests and covered seconds per local day and hour (covered: the part of each bin inside [first, last request]). */
const hoursPerDay = (bins: TimeBins, offsetMin: number): Map<number, DayHours> => {
  const res = bins.resolutionS;
  const perDay = new Map<number, DayHours>();
  const firstS = Math.floor(bins.firstMs / 1000);
  const lastS = Math.floor(bins.lastMs / 1000);
  for (let i = 0; i < bins.length; i++) {
    const t = bins.originS + i * res;
    // Exposure counts only the part of the bin inside [first, last request].
    const covered = Math.min(t + res, lastS + 1) - Math.max(t, firstS);
    if (covered <= 0) continue;
    const local = t + offsetMin * 60;
    const hour = Math.floor((((local % DAY_S) + DAY_S) % DAY_S) / HOUR_S);
    const day = Math.floor(local / DAY_S);
    let d = perDay.get(day);
    if (!d) perDay.set(day, (d = { c: new Array<number>(24).fill(0), e: new Array<number>(24).fill(0) }));
    d.c[hour] = (d.c[hour] as number) + bins.at(i);
    d.e[hour] = (d.e[hour] as number) + covered;
  }
  return perDay;
};

/**
 * Requests and exposure per hour of the day summed over the days, counting
 * only hours a day covers whole (a partial first or last hour would assume
 * its requests were spread evenly); the partial hours are zeroed in `perDay`.
 */
const wholeHourTotals = (perDay: Map<number, DayHours>): { counts: number[]; exposure: number[] } => {
  const counts = new Array<number>(24).fill(0);
  const exposure = new Array<number>(24).fill(0);
  for (const d of perDay.values()) {
    for (let h = 0; h < 24; h++) {
      if ((d.e[h] as number) < HOUR_S) {
        d.c[h] = 0;
        d.e[h] = 0;
        continue;
      }
      counts[h] = (counts[h] as number) + (d.c[h] as number);
      exposure[h] = (exposure[h] as number) + (d.e[h] as number);
    }
  }
  return { counts, exposure };
};

/** Pearson's chi-squared of the hourly counts against a flat rate (expected ∝ exposure). */
const flatChi2 = (counts: number[], exposure: number[]): number => {
  const total = counts.reduce((a, b) => a + b, 0);
  const totalExposure = exposure.reduce((a, b) => a + b, 0);
  let chi2 = 0;
  for (let h = 0; h < 24; h++) {
    const expected = (total * (exposure[h] as number)) / totalExposure;
    if (expected > 0) chi2 += ((counts[h] as number) - expected) ** 2 / expected;
  }
  return chi2;
};

/** Mean correlation of each day's hourly rates with the other days' pooled rates, on the hours each covers whole; null with under 2 days. */
const dayCorrelationOf = (days: DayHours[]): number | null => {
  if (days.length < 2) return null;
  const cors: number[] = [];
  for (const d of days) {
    const own: number[] = [];
    const others: number[] = [];
    for (let h = 0; h < 24; h++) {
      if ((d.e[h] as number) < HOUR_S) continue;
      let oc = 0;
      let oe = 0;
      for (const o of days) {
        if (o === d) continue;
        oc += o.c[h] as number;
        oe += o.e[h] as number;
      }
      if (oe <= 0) continue;
      own.push((d.c[h] as number) / (d.e[h] as number));
      others.push(oc / oe);
    }
    const r = pearson(own, others);
    if (r !== null) cors.push(r);
  }
  return cors.length > 0 ? cors.reduce((a, b) => a + b, 0) / cors.length : null;
};

/** The daily shape; null when some hour of the day is never covered whole (the log spans under about a day). */
export const dailyShape = (bins: TimeBins, offsetMin: number): DailyShape | null => {
  if (bins.resolutionS > HOUR_S || bins.length === 0) return null;
  const perDay = hoursPerDay(bins, offsetMin);
  const { counts, exposure } = wholeHourTotals(perDay);
  if (exposure.some((e) => e < HOUR_S)) return null;
  const hourlyRps = counts.map((c, h) => c / (exposure[h] as number));
  const chi2 = flatChi2(counts, exposure);
  const pValue = chiSquareSurvival(chi2, 23);
  let peakHour = 0;
  let troughHour = 0;
  hourlyRps.forEach((r, h) => {
    if (r > (hourlyRps[peakHour] as number)) peakHour = h;
    if (r < (hourlyRps[troughHour] as number)) troughHour = h;
  });
  const mean = counts.reduce((a, b) => a + b, 0) / exposure.reduce((a, b) => a + b, 0);
  const peak = hourlyRps[peakHour] as number;
  const trough = hourlyRps[troughHour] as number;
  const peakToTrough = trough > 0 ? peak / trough : Infinity;
  // Day-to-day repeatability, on the hours each day covers whole.
  const days = [...perDay.values()].filter((d) => d.e.filter((e) => e >= HOUR_S).length >= 12);
  const dayCorrelation = dayCorrelationOf(days);
  const cycle = pValue < 0.001 && peakToTrough >= 1.25 && (dayCorrelation === null || dayCorrelation >= 0.5);
  return {
    offsetMin, hourlyRps, exposureS: exposure, peakHour, troughHour, peakToTrough, peakToMean: mean > 0 ? peak / mean : 0,
    chi2, pValue, dayCorrelation, days: days.length, cycle,
  };
};
