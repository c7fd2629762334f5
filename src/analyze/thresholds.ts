/**
 * Every threshold the detectors use, in one place, with its reason. The
 * values are judgement (docs/algorithms.md §5-§8), not measured facts; they are written into
 * report.json (`analysis.thresholds`) so a reader knows what "broke" meant.
 */
export interface Thresholds {
  /** A bin (of `binS` seconds) is sized so that its median sample count reaches this (p99 needs ~100 to mean anything). */
  minBinSamples: number;
  /** Bins with fewer latency samples than this are "unknown": neither healthy nor breaking. */
  minSamplesPerBin: number;
  /** Bin widths tried, seconds, smallest first. */
  binWidthsS: number[];
  /** Never use fewer bins than this over the run (caps the bin width). */
  minBins: number;
  /** Saturation: achieved below this fraction of offered (by completion vs intended time) breaks. */
  achievedRatio: number;
  /** Saturation and error bursts: an error rate above this fraction breaks. */
  errorRate: number;
  /** Error rate rules need at least this many errors in the bin (1 error in 50 is not a trend). */
  minErrors: number;
  /** Throughput rule needs at least this many offered requests in the bin. */
  minOfferedForThroughput: number;
  /** Without a p99 SLO, the latency rule's threshold is max(factor × baseline p99, baseline + floorMs). */
  derivedSloFactor: number;
  derivedSloFloorMs: number;
  /** A break must persist: at least this many seconds … */
  persistS: number;
  /** … and at least this many bins, … */
  persistBins: number;
  /** … breaking in at least this fraction of the bins while the load stays at ≥ `sameLoad` × the load at the break. */
  persistFraction: number;
  sameLoad: number;
  /** The latency rule needs this many healthy bins before the break (else latency was never healthy: that is skew or a slow endpoint, not saturation). */
  healthyBinsBefore: number;
  /** The last seconds of a run are not judged on throughput (responses still in flight). */
  tailGraceS: number;
  /** Kneedle runs when the offered rate spans at least this ratio (p90/p10 of bin rates). */
  rampSpan: number;
  /** Kneedle sensitivity S. */
  kneedleS: number;
  /** Kneedle reads the rising part of a ramp: up to the first bin at this share of the peak load. */
  kneePeakShare: number;
  /** A ramp covers its range evenly: no gap between neighbouring loads above this share of the range (else it is a step, with no curve to read). */
  kneeMaxGapShare: number;
  /** Kneedle's points: the rising bins in at most this many groups (medians), and no knee from fewer than `kneeMinGroups`. */
  kneeMaxGroups: number;
  kneeMinGroups: number;
  /** A break found by the (centred) throughput rule starts at the first second whose offered load reaches this share of the load that follows. */
  stepLoadShare: number;
  /** Queueing, seen from the client: p99 grows at least this many times over the breaking stretch … */
  queueGrowthX: number;
  /** … while achieved is behind offered, or flat (coefficient of variation ≤ `flatCv`) while offered still rises by `flatRiseX`. */
  flatCv: number;
  flatRiseX: number;
  /** Data skew: a class's p99 at least this many times the median tenant class's … */
  skewRatio: number;
  /** … and at least this many ms above it … */
  skewMinDeltaMs: number;
  /** … with the exceedance test significant at this level (binomial: share of the class above the median class's p99 vs 1%). */
  skewPValue: number;
  /** A class needs this many samples for a "high" confidence finding, and at least `skewMinSamples` to be judged at all. */
  skewConfidentSamples: number;
  skewMinSamples: number;
  /** A tenant needs this many requests to be named with a p99. */
  tenantMinRequests: number;
  /** Cold cache: recovered when window p99 ≤ factor × pre-deploy p99 … */
  coldRecoveryFactor: number;
  /** … in at least `coldHoldFraction` of the bins over this many seconds (at least 3 bins). */
  coldHoldS: number;
  coldHoldFraction: number;
  /** Pre-deploy baseline: up to this many seconds before the event, at least `coldMinBaselineBins` bins. */
  coldBaselineS: number;
  coldMinBaselineBins: number;
  /**
   * Cold-window bins are judged with at least this many samples (not `minSamplesPerBin`): a bin is "elevated"
   * against the 90th percentile of the warm bins' p99s at the same width and traffic, so a few samples per bin
   * still compare like with like, and more, finer bins give the run-of-bins test its power on a sparse endpoint.
   */
  coldMinSamplesPerBin: number;
  /** The cold window must be significant: binomial test of the share of requests above the limit at this level … */
  coldPValue: number;
  /** … and of the share of its bins above the limit vs the run's other bins (machine noise vs a cold cache). */
  coldBinPValue: number;
  /** Pool: a saturation episode lasts at least this many scrapes (waiting > 0 or in use ≥ size). */
  poolMinScrapes: number;
  /** Pool: an episode aligns with latency when it overlaps a latency break within this many seconds. */
  poolAlignS: number;
  /** Error bursts: gaps up to this many seconds join one burst. */
  burstGapS: number;
  /** Generator health: schedule lag p99 above this (ms) makes the run suspect. */
  lagWarnMs: number;
  /** A bin whose lag p99 is above `lagWarnMs` and at least this share of its latency p99 is generator-bound: not judged on latency. */
  generatorShare: number;
}

/** The defaults (documented in docs/report.md). */
export const DEFAULT_THRESHOLDS: Thresholds = {
  minBinSamples: 100,
  minSamplesPerBin: 20,
  binWidthsS: [1, 2, 3, 5, 10, 15, 20, 30, 60],
  minBins: 12,
  achievedRatio: 0.95,
  errorRate: 0.01,
  minErrors: 5,
  minOfferedForThroughput: 50,
  derivedSloFactor: 5,
  derivedSloFloorMs: 50,
  persistS: 5,
  persistBins: 3,
  persistFraction: 0.8,
  sameLoad: 0.9,
  healthyBinsBefore: 2,
  tailGraceS: 2,
  rampSpan: 1.5,
  kneedleS: 1,
  kneePeakShare: 0.98,
  kneeMaxGapShare: 0.25,
  kneeMaxGroups: 20,
  kneeMinGroups: 5,
  stepLoadShare: 0.8,
  queueGrowthX: 1.5,
  flatCv: 0.1,
  flatRiseX: 1.05,
  skewRatio: 3,
  skewMinDeltaMs: 10,
  skewPValue: 0.001,
  skewConfidentSamples: 100,
  skewMinSamples: 20,
  tenantMinRequests: 20,
  coldRecoveryFactor: 2,
  coldHoldS: 5,
  coldHoldFraction: 0.8,
  coldBaselineS: 30,
  coldMinBaselineBins: 3,
  coldMinSamplesPerBin: 8,
  coldPValue: 0.001,
  coldBinPValue: 0.001,
  poolMinScrapes: 3,
  poolAlignS: 5,
  burstGapS: 2,
  lagWarnMs: 5,
  generatorShare: 0.25,
};

/**
 * The latency rule's threshold without a p99 SLO, ms: max(factor × baseline
 * p99, baseline + floor), with the words the report uses for it (from the
 * factor and floor in force, so an override is described as it is).
 */
export const derivedLatencyThreshold = (baselineP99Ms: number, t: Pick<Thresholds, 'derivedSloFactor' | 'derivedSloFloorMs'>): { thresholdMs: number; describe: string } => {
  const byFactorMs = t.derivedSloFactor * baselineP99Ms;
  const byFloorMs = baselineP99Ms + t.derivedSloFloorMs;
  return byFactorMs >= byFloorMs
    ? { thresholdMs: byFactorMs, describe: `${t.derivedSloFactor}x its low-load p99` }
    : { thresholdMs: byFloorMs, describe: `its low-load p99 + ${t.derivedSloFloorMs} ms` };
};

/**
 * Whether a latency (ms) left its baseline (ms): above the latency rule's
 * threshold without an SLO (derivedLatencyThreshold). The one rule for
 * "latency broke" outside an SLO: the saturation detector applies it to p99
 * per bin, the demo's capacity probe to p50 per second.
 */
export const leftBaseline = (latencyMs: number, baselineMs: number, t: Pick<Thresholds, 'derivedSloFactor' | 'derivedSloFloorMs'> = DEFAULT_THRESHOLDS): boolean =>
  latencyMs > derivedLatencyThreshold(baselineMs, t).thresholdMs;

/**
 * The demo's capacity probe: a second is behind when achieved is below this
 * share of offered. Looser than `achievedRatio` (judged over bins with
 * persistence) because the probe judges single seconds of a 12-second ramp
 * on a machine the engine shares with the service.
 */
export const PROBE_ACHIEVED_RATIO = 0.9;
