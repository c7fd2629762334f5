/**
 * The use cases: what a command does, as a library call, above every stage
 * (docs/design.md, "Layers"). Each composes the stages: loads and checks the
 * inputs (scenario/), plans the traffic (traffic/), chooses the observers
 * (observe/), runs the plan (engine/ `runPlan`) and analyses and renders the
 * run directory with the observe stage's findings and sections (analyze/,
 * report/).
 *
 * - `runReplay(opts)`: scenario + profile → run directory + report (the
 *   `replay` command).
 * - `replayPlan(opts)`: any plan → target checked → run → report: what every
 *   replay variant shares.
 * - `runLogReplay(opts)`: an access log → run directory + report (`replay --log`).
 * - `finishObservedRun`, `analyzeObservedRun`: a run directory's report, with
 *   the observe stage's findings (`report DIR`, `compare`).
 */
export { replayPlan, runReplay, trackedTenantsFor, type ReplayCommonOptions, type ReplayOptions, type ReplayPlanOptions, type ReplayResult } from './replay.js';
export { runLogReplay, describeLogScan, type LogReplayRunOptions, type LogReplayResult } from './log-replay.js';
export { analyzeObservedRun, finishObservedRun, writeObservedReports } from './report.js';
