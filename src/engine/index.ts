/**
 * The engine's public face. The use cases that load inputs, choose observers
 * and report (`runReplay`, `replayPlan`, `runLogReplay`) are in src/app/.
 *
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
export type { Observer, RunContext } from './observer.js';
export { RUN_DEFAULTS } from './defaults.js';
export { runPlan, LAG_WARN_MS, type RunPlanOptions, type RunResult, type LiveStatus } from './run.js';
export { loadRecipe, type PlanFactory, type PlanRecipe, type PlanSource } from './plan-source.js';
export { checkTargetAllowed, checkTargetReachable, isLocalAddress, parseTarget, publicTarget, resolveTarget, type ResolvedTarget } from './target.js';
export { classifyAddress, hostAddress, refusedAddresses, type AddressClass } from './address.js';
export { checkReach, systemResolver, type PinnedHost, type ReachUrl, type Resolver } from './reach.js';
export { createReachAgent } from './pinned.js';
export { checkEvents, fireEvent, runAction, type ActionContext, type ActionOutcome } from './events.js';
export { classifyError, classifyStatus } from './http.js';
export { createRunClock, epochNowMs, type RunClock } from './clock.js';
export { formatLive } from './live.js';
export type { TrackedTenant, ShareTotals } from './recorder.js';
