/**
 * Counters and histograms per label set, rendered as metric families for
 * src/core/prom-text.ts: the little of a Prometheus client the demo needs.
 * Label sets keep the order they were first seen in, labels the order given.
 */
import type { ExpositionSample, MetricFamily } from '../core/prom-text.js';

export type Labels = Record<string, string>;

/** Values per label set, in the order the label sets were first seen. */
const labelSets = <T>(init: () => T): { get(labels: Labels): T; entries(): [Labels, T][] } => {
  const byKey = new Map<string, [Labels, T]>();
  return {
    get: (labels) => {
      const key = JSON.stringify(labels);
      let e = byKey.get(key);
      if (e === undefined) byKey.set(key, (e = [{ ...labels }, init()]));
      return e[1];
    },
    entries: () => [...byKey.values()],
  };
};

export interface Counter {
  inc(labels?: Labels, by?: number): void;
  family(): MetricFamily;
}

/** A counter per label set (monotonic; `inc(labels, 0)` creates the series at 0). */
export const counter = (name: string, help: string): Counter => {
  const values = labelSets(() => ({ v: 0 }));
  return {
    inc: (labels = {}, by = 1) => {
      values.get(labels).v += by;
    },
    family: () => ({ name, help, type: 'counter', samples: values.entries().map(([labels, x]) => ({ labels, value: x.v })) }),
  };
};

export interface Histogram {
  observe(labels: Labels, value: number): void;
  family(): MetricFamily;
}

/** A cumulative histogram per label set over `bucketsUpper` (ascending; `+Inf` is added). */
export const histogram = (name: string, help: string, bucketsUpper: readonly number[]): Histogram => {
  const values = labelSets(() => ({ counts: new Array<number>(bucketsUpper.length).fill(0), sum: 0, count: 0 }));
  return {
    observe: (labels, value) => {
      const h = values.get(labels);
      const k = bucketsUpper.findIndex((le) => value <= le);
      if (k !== -1) h.counts[k] = (h.counts[k] ?? 0) + 1;
      h.sum += value;
      h.count += 1;
    },
    family: () => {
      const samples: ExpositionSample[] = [];
      for (const [labels, h] of values.entries()) {
        let cumulative = 0;
        bucketsUpper.forEach((le, k) => {
          cumulative += h.counts[k] ?? 0;
          samples.push({ suffix: '_bucket', labels: { le: String(le), ...labels }, value: cumulative });
        });
        samples.push({ suffix: '_bucket', labels: { le: '+Inf', ...labels }, value: h.count });
        samples.push({ suffix: '_sum', labels, value: h.sum }, { suffix: '_count', labels, value: h.count });
      }
      return { name, help, type: 'histogram', samples };
    },
  };
};

