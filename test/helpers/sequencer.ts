/**
 * The order files start in, within each vitest group: the slowest first
 * (measured: docs/testing.md), then vitest's own order (failed and slow
 * first when it has a results cache, larger files first when it has none,
 * as on a clean clone). Two files run at a time in the `unit` and `load`
 * groups; a slow file that starts last leaves the other slot idle while it
 * finishes, which made the clean-clone suite a minute longer.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Slowest first, by their measured duration in a clean-clone run (tens of seconds each). */
export const SLOW_FIRST = [
  'test/repo/package.test.ts',
  'test/cli/bad-inputs.test.ts',
  'test/k6/cli.test.ts',
  'test/engine/engine.test.ts',
  'test/k6/real-k6.test.ts',
  'test/analyze/detectors.test.ts',
  'test/engine/stop.test.ts',
  'test/logs/replay-run.test.ts',
  'test/observe/promql-e2e.test.ts',
  'test/data/atomic-load.test.ts',
  'test/engine/cli.test.ts',
  'test/pg/embedded.test.ts',
  'test/demo/clock.test.ts',
  'test/data/cli.test.ts',
  'test/report/cli.test.ts',
  'test/fit/roundtrip.test.ts',
  'test/data/determinism.test.ts',
  // The planted-capacity files start before the demo's service files, which
  // run one at a time (a lock: test/demo/helpers.ts) on the group's fourth worker.
  'test/analyze/real-pool-control.test.ts',
  'test/analyze/real-done.test.ts',
  'test/analyze/real-skew-cold.test.ts',
];

const rank = (spec: TestSpecification): number => {
  const i = SLOW_FIRST.findIndex((f) => spec.moduleId.endsWith(`/${f}`));
  return i < 0 ? SLOW_FIRST.length : i;
};

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    const order = new Map(base.map((f, i) => [f, i]));
    // Groups and projects keep vitest's order; within one project the slow files move to the front.
    const projectOf = new Map<string, number>();
    for (const f of base) if (!projectOf.has(f.project.name)) projectOf.set(f.project.name, projectOf.size);
    return [...base].sort((a, b) =>
      (projectOf.get(a.project.name) ?? 0) - (projectOf.get(b.project.name) ?? 0) || rank(a) - rank(b) || (order.get(a) ?? 0) - (order.get(b) ?? 0));
  }
}
