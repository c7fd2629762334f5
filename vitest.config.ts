import { defineConfig } from 'vitest/config';
import SlowFirstSequencer from './test/helpers/sequencer.js';

/**
 * Test files import the TypeScript sources directly; end-to-end tests run the
 * built CLI in dist/ (built once, before any file runs, by the global setup).
 *
 * Four groups run one after the other (docs/testing.md says why each file is
 * where it is):
 * - `unit` (2 files at a time, each worker one process for all its files:
 *   `isolate: false` saves re-importing the sources per file, about a tenth of
 *   the group; test/helpers/unit-reset.ts puts back what a file may leave in
 *   process-wide state): pure logic, parsers, CLI error paths, database
 *   tests, and the packed package installed and run (test/repo/package.test.ts:
 *   slow, and an 8 s replay at 20 requests/s, but no assertion on time);
 *   nothing in it asserts on time against a machine-dependent bound.
 * - `load` (3 at a time): real load against real servers on loopback. Each
 *   file uses well under one core and asserts relative to what the same run
 *   measured: the group uses under one core in all at two at a time (99 s of
 *   CPU in 116 s), so a third file (and another busy process) still fits on
 *   two cores, and the group takes about 85 s instead of 116.
 * - `planted` (4 at a time): real load against servers with a planted
 *   capacity (N slots x a fixed service time, a sleep: about a quarter of a
 *   core per file, measured), whose break must land within 15% of it; and the
 *   demo service's own tests (its fast and slow paths compared in the same
 *   run, the plan-regression run on a test database). The three
 *   planted-capacity files start first, side by side; the demo's service
 *   files load datasets and time queries (CPU-bound), so they take a lock
 *   (test/demo/helpers.ts SERVICE_LOCK) and run one after another on the
 *   fourth worker (when two ran at once, one timed the demo's median tenant
 *   at 10.9 ms against its usual 2.7). What the planted files must not share
 *   the machine with is a target pushed past its capacity.
 * - `demo` (1 at a time): the demo's end-to-end runs fit their rates to the
 *   demo's capacity measured on this machine and push it past that on
 *   purpose; two at once would measure each other. With them the demo
 *   command's own test, which uses the same embedded cluster: when it ran
 *   first (in `planted`), the spike run that follows met a restarted cluster
 *   instead of the one it had just loaded, and twice in three clean-clone
 *   runs saturated before its spike. (The demo's pure tests, such as the
 *   gate, are `unit`.)
 */
const LOAD = [
  'test/engine/{engine,stop,cli,workers,reach,reach-cli}.test.ts',
  'test/logs/replay-run.test.ts',
  'test/observe/{replay-e2e,prometheus,promql-e2e,out-prometheus,ticker}.test.ts',
  'test/fit/roundtrip.test.ts',
  'test/k6/real-*.test.ts',
];
const PLANTED = ['test/analyze/real-*.test.ts', 'test/demo/service-*.test.ts', 'test/observe/demo-e2e.test.ts'];
const DEMO = ['test/demo/{e2e-*,cli-demo}.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    globalSetup: ['test/helpers/global-setup.ts'],
    // The slowest files of a group start first (test/helpers/sequencer.ts).
    sequence: { sequencer: SlowFirstSequencer },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...LOAD, ...PLANTED, ...DEMO], maxWorkers: 2, isolate: false, setupFiles: ['test/helpers/unit-reset.ts'], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'load', include: LOAD, maxWorkers: 3, sequence: { groupOrder: 1 } } },
      { extends: true, test: { name: 'planted', include: PLANTED, maxWorkers: 4, sequence: { groupOrder: 2 } } },
      { extends: true, test: { name: 'demo', include: DEMO, maxWorkers: 1, sequence: { groupOrder: 3 } } },
    ],
  },
});
