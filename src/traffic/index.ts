/**
 * The traffic stage's public face: sources of planned requests.
 *
 * - `arrivals.ts`: Poisson (Lewis–Shedler thinning) and constant arrival times
 *   over a profile's rate curve, splittable per worker (`PlanShare`).
 * - `tenants.ts`: the tenant table (manifest or CSV), size classes, weighted
 *   and uniform picking (pure; the k6 exporter reuses it).
 * - `template.ts`: request templates (`{tenant}`, `{TABLE.id}`, `{uuid}`, …).
 * - `scenario-plan.ts`: scenario + profile + tenants → `PlannedRequest`s.
 * - `clock.ts`: the profile clock (a run's second → "09:12").
 */
export * from './plan.js';
export * from './arrivals.js';
export * from './tenants.js';
export * from './template.js';
export * from './scenario-plan.js';
export * from './clock.js';
