/**
 * Where a scenario's `observe.prometheus` points: a full URL as is, or a
 * path relative to the run's target. Read by the observer that scrapes it and
 * by the engine's outbound check (both must agree on the address).
 */

/** Resolves `observe.prometheus` against the target: a full URL as is, a path relative to the target (null without a target). */
export const resolveScrapeUrl = (spec: string, target: URL | null): URL | null => {
  if (/^https?:\/\//i.test(spec)) return new URL(spec);
  return target === null ? null : new URL(spec, target);
};
