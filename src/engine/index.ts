/**
 * The engine's public face.
 *
 * - `runReplay(opts)`: scenario + profile → run directory + report (the
 *   `replay` command as a library call).
 * - `replayPlan(opts)`: any plan → target checked → run → report: what an
 *   access-log replay calls with its own PlanSource.
 * - `runPlan(opts)`: any stream of `PlannedRequest`s (src/traffic/plan.ts) →
 *   run directory. Give `plan: { stream }` for one thread, or
 *   `plan: { recipe: { module, export, args } }` (a module exporting a
 *   `PlanFactory(args, share)`) so `--workers N` threads each build their share.
 * - Target helpers (`parseTarget`, `checkTargetAllowed`, `checkTargetReachable`,
 *   `resolveTarget`), the safety rule (`classifyAddress`, `checkReach`: every
 *   URL resolved once, checked, and connected to at the checked address),
 *   events (`runAction`, `checkEvents`), and the live line.
 *
 * See docs/replay.md for the run directory and the flags.
 */
export { runPlan, LAG_WARN_MS, type RunPlanOptions, type RunResult, type LiveStatus } from './run.js';
export { replayPlan, runReplay, type ReplayCommonOptions, type ReplayOptions, type ReplayPlanOptions, type ReplayResult } from './replay.js';
export { loadRecipe, type PlanFactory, type PlanRecipe, type PlanSource } from './plan-source.js';
export { checkTargetAllowed, checkTargetReachable, isLocalAddress, parseTarget, publicTarget, resolveTarget, type ResolvedTarget } from './target.js';
export { classifyAddress, hostAddress, refusedAddresses, type AddressClass } from './address.js';
export { checkReach, createReachAgent, systemResolver, type PinnedHost, type ReachUrl, type Resolver } from './reach.js';
export { checkEvents, fireEvent, runAction, type ActionContext, type ActionOutcome } from './events.js';
export { classifyError, classifyStatus } from './http.js';
export { createRunClock, epochNowMs, type RunClock } from './clock.js';
export { formatLive } from './live.js';
export type { TrackedTenant, ShareTotals } from './recorder.js';
