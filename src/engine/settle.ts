/**
 * Run before time zero on each thread that sends (the main thread for one
 * share, each worker thread otherwise): a full garbage collection, so that
 * what survives start-up (modules, the plan, connections) leaves the young
 * generation once, while no send is due. Measured with `--trace-gc` at
 * 1,000/s, three runs each: without it the first two young-generation
 * collections of the run took 8-15 ms each (each copied start-up's survivors
 * again), a stall that every send due meanwhile waits out; with it 1-4 ms,
 * and under 1.5 ms from the third on in both cases.
 */
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createHistogram, encodeHistogram, recordMs } from '../run/histogram.js';

let fullGc: (() => void) | null | undefined;

/** A full collection: `gc`, exposed at run time (null where the flag cannot be set). */
const gcFunction = (): (() => void) | null => {
  if (fullGc !== undefined) return fullGc;
  try {
    v8.setFlagsFromString('--expose-gc');
    const f: unknown = runInNewContext('gc');
    fullGc = typeof f === 'function' ? (f as () => void) : null;
  } catch {
    fullGc = null;
  }
  return fullGc;
};

/**
 * Encodes, adds and resets throwaway histograms before time zero, so that the run's first close of a
 * second does not also compile that code (encoding three histograms: 4-7 ms cold, 1.2-1.7 ms warm).
 * The run's first close still takes the longest: at 20,000/s 5.3-5.4 ms with this (two runs), 7 ms
 * without (one), 1.6-2.5 ms for the later ones.
 */
const warmClose = (): void => {
  const h = createHistogram();
  const sum = createHistogram();
  for (let round = 0; round < 3; round++) {
    for (let i = 1; i <= 2000; i++) recordMs(h, (i % 500) / 50);
    encodeHistogram(h);
    sum.add(h);
    h.reset();
  }
};

/** Collects start-up's garbage: 4-8 ms in a bare process, more on the CLI's heap; before the run's lead time, not in it. */
export const settleBeforeZero = (): void => {
  warmClose();
  gcFunction()?.();
};
