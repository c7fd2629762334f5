/**
 * Pool saturation from the target's gauges (docs/design.md `pool-saturation`;
 * docs/algorithms.md §8). The scenario's `observe.pool` names the series for
 * in-use, waiting and size; each scrape sums every label set of a name
 * (several pools or instances), or reads one series when the name has
 * labels. A scrape is saturated when waiting > 0 or in-use ≥ size; an episode is a run of ≥ `poolMinScrapes` saturated scrapes
 * (one unsaturated scrape inside does not end it). An episode is a break when
 * it lines up (± `poolAlignS`) with a latency break: a full pool with healthy
 * latency is capacity well used, not a problem.
 */
import { parseScenario, type PoolGauges } from '../../scenario/scenario.js';
import { errorMessage } from '../../core/errors.js';
import type { ScrapeRecord } from '../../run/format.js';
import type { LoadedRun } from '../load.js';
import { r2 } from '../../core/round.js';
import { gaugeValue } from '../../core/prom-parse.js';

/** One scrape's pool reading; null where the gauge is not named or absent. */
export interface PoolSample { t_s: number; in_use: number | null; waiting: number | null; size: number | null }

export interface PoolSeries {
  gauges: PoolGauges;
  samples: PoolSample[];
  /** Scrapes that failed (recorded by the observer). */
  failedScrapes: number;
}

export interface PoolEpisode {
  fromS: number;
  toS: number;
  scrapes: number;
  maxWaiting: number;
  maxInUse: number | null;
  size: number | null;
  /** When waiting first went above 0 in the episode (null if only in-use == size). */
  firstWaitingS: number | null;
}

/** The pool gauges named by the run's scenario, or null (no scenario, no `observe.pool`, or it does not parse). */
export const poolGaugesOf = (run: LoadedRun): { gauges: PoolGauges | null; problem: string | null } => {
  if (run.scenarioText === null) return { gauges: null, problem: null };
  try {
    return { gauges: parseScenario(run.scenarioText).observe.pool, problem: null };
  } catch (e) {
    return { gauges: null, problem: `scenario.yaml in the run directory did not parse: ${errorMessage(e).split('\n')[0] ?? ''}` };
  }
};

/** Reads the pool series from the scrapes. */
export const poolSeries = (gauges: PoolGauges, scrapes: readonly ScrapeRecord[]): PoolSeries => {
  const read = (s: ScrapeRecord, name: string | undefined): number | null => (name === undefined ? null : gaugeValue(s.values, name));
  const ok = scrapes.filter((s) => s.ok).sort((a, b) => a.t_s - b.t_s);
  return {
    gauges,
    failedScrapes: scrapes.length - ok.length,
    samples: ok
      .map((s) => ({ t_s: s.t_s, in_use: read(s, gauges.in_use), waiting: read(s, gauges.waiting), size: read(s, gauges.size) }))
      .filter((p) => p.in_use !== null || p.waiting !== null || p.size !== null),
  };
};

const saturated = (p: PoolSample): boolean =>
  (p.waiting ?? 0) > 0 || (p.in_use !== null && p.size !== null && p.size > 0 && p.in_use >= p.size);

/** Episodes of pool saturation lasting at least `minScrapes` scrapes. */
export const poolEpisodes = (samples: readonly PoolSample[], minScrapes: number): PoolEpisode[] => {
  const out: PoolEpisode[] = [];
  let cur: PoolSample[] = [];
  let gap = 0;
  const flush = (): void => {
    const sat = cur.filter(saturated);
    if (sat.length >= minScrapes) {
      const waiting = sat.filter((p) => (p.waiting ?? 0) > 0);
      const inUse = cur.map((p) => p.in_use).filter((v): v is number => v !== null);
      const sizes = cur.map((p) => p.size).filter((v): v is number => v !== null);
      out.push({
        fromS: sat[0]?.t_s ?? 0,
        toS: sat[sat.length - 1]?.t_s ?? 0,
        scrapes: sat.length,
        maxWaiting: Math.max(0, ...sat.map((p) => p.waiting ?? 0)),
        maxInUse: inUse.length ? Math.max(...inUse) : null,
        size: sizes.length ? Math.max(...sizes) : null,
        firstWaitingS: waiting[0]?.t_s ?? null,
      });
    }
    cur = [];
    gap = 0;
  };
  for (const p of samples) {
    if (saturated(p)) {
      cur.push(p);
      gap = 0;
    } else if (cur.length > 0) {
      gap++;
      if (gap > 1) flush();
      else cur.push(p);
    }
  }
  if (cur.length > 0) flush();
  return out;
};

/** Whole-run maxima of the gauges, for the diagnosis and the report. */
export const poolMaxima = (samples: readonly PoolSample[]): { maxWaiting: number | null; maxInUse: number | null; size: number | null } => {
  const pick = (f: (p: PoolSample) => number | null): number | null => {
    const v = samples.map(f).filter((x): x is number => x !== null);
    return v.length ? Math.max(...v) : null;
  };
  return { maxWaiting: pick((p) => p.waiting), maxInUse: pick((p) => p.in_use), size: pick((p) => p.size) };
};

/** Columns for the report's pool chart: one row per scrape. */
export const poolTimeline = (samples: readonly PoolSample[]): { t_s: number; in_use: number | null; waiting: number | null; size: number | null }[] =>
  samples.map((p) => ({ t_s: r2(p.t_s) ?? 0, in_use: p.in_use, waiting: p.waiting, size: p.size }));
