/**
 * What every detector reads: the loaded run, its series and bins, the SLOs
 * and thresholds in force, and the scenario's pool gauges. Built once per
 * analysis; pure data.
 */
import type { LoadedRun } from './load.js';
import { binSeries, chooseBinWidth, type Bin, type BinChoice } from './bins.js';
import { buildSeries, rangeSum, type RunSeries, type Series } from './series.js';
import type { SloSpec } from '../scenario/slo.js';
import type { Thresholds } from './thresholds.js';

export interface BinnedSeries {
  series: Series;
  choice: BinChoice;
  bins: Bin[];
}

export interface AnalysisContext {
  run: LoadedRun;
  series: RunSeries;
  /** Seconds in the timeline. */
  length: number;
  /** Measured run length, seconds (fractional). */
  durationS: number;
  slos: SloSpec[];
  t: Thresholds;
  overall: BinnedSeries;
  endpoints: Map<string, BinnedSeries>;
}

/** Total offered rate (all endpoints), requests per second, over [fromS, toS). */
export const totalOfferedRps = (ctx: AnalysisContext, fromS: number, toS: number): number => {
  const width = Math.max(1e-9, Math.min(ctx.length, toS) - Math.max(0, fromS));
  return rangeSum(ctx.series.overall.offered, fromS, toS) / width;
};

const binned = (s: Series, length: number, t: Thresholds): BinnedSeries => {
  const choice = chooseBinWidth(s, length, t);
  return { series: s, choice, bins: binSeries(s, choice.binS, length) };
};

/** Builds the context from a loaded run. */
export const buildContext = (run: LoadedRun, length: number, slos: SloSpec[], t: Thresholds): AnalysisContext => {
  const series = buildSeries(run.windows, run.meta.endpoints, length);
  const endpoints = new Map<string, BinnedSeries>();
  for (const e of series.endpoints) {
    const s = series.byEndpoint.get(e);
    if (s !== undefined) endpoints.set(e, binned(s, series.length, t));
  }
  return {
    run, series, length: series.length,
    durationS: run.meta.duration_s > 0 ? run.meta.duration_s : series.length,
    slos, t,
    overall: binned(series.overall, series.length, t),
    endpoints,
  };
};
