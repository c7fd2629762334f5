/**
 * `--out-prometheus`'s break marks (src/observe/run-series.ts `breakSeries`),
 * pure: 1 at each break's start and 0 a second later, a whole-run finding at
 * time zero, the run's labels on each, samples ascending with one per time
 * when two breaks of the same series touch.
 */
import { describe, expect, it } from 'vitest';
import { breakSeries } from '../../src/observe/run-series.js';
import type { Report } from '../../src/analyze/index.js';

const labels = { startedAtMs: 1_764_800_000_000, run: 'r1', scenario: 's' };
const brk = (kind: string, endpoint: string | null, t_s: number | null, summary: string) => ({ kind, endpoint, t_s, summary, evidence: {} }) as unknown as Report['breaks'][number];

describe('breakSeries', () => {
  it('marks each break at its start, a whole-run finding at time zero', () => {
    const s = breakSeries({ breaks: [brk('saturation', 'a', 12.5, 'a saturated'), brk('data-skew', null, null, 'skew')] }, labels);
    expect(s).toEqual([
      { labels: { __name__: 'prodshape_break', kind: 'saturation', endpoint: 'a', summary: 'a saturated', run: 'r1', scenario: 's' }, samples: [[1_764_800_012_500, 1], [1_764_800_013_500, 0]] },
      { labels: { __name__: 'prodshape_break', kind: 'data-skew', endpoint: '*', summary: 'skew', run: 'r1', scenario: 's' }, samples: [[1_764_800_000_000, 1], [1_764_800_001_000, 0]] },
    ]);
  });

  it('keeps one sample per time, the later start winning, and cuts long summaries', () => {
    const long = 'x'.repeat(400);
    const [s] = breakSeries({ breaks: [brk('errors', 'b', 3, long), brk('errors', 'b', 2, long)] }, labels);
    expect(s?.labels.summary).toHaveLength(300);
    expect(s?.samples).toEqual([[1_764_800_002_000, 1], [1_764_800_003_000, 1], [1_764_800_004_000, 0]]);
  });
});
