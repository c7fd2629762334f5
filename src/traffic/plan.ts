/**
 * A planned request: what the engine sends and when. Every source of traffic
 * (a profile with a scenario, an access log, …) becomes a stream of these,
 * sorted by `atMs`; the engine never knows where they came from.
 */
import type { HttpMethod } from '../scenario/scenario.js';
import type { TenantClass } from '../run/format.js';

export interface PlannedRequest {
  /** Intended send time, ms since the run's start (absolute: drift never accumulates). */
  atMs: number;
  /** Endpoint name (scenario endpoint, or the template a log line matched). */
  endpoint: string;
  method: HttpMethod;
  /** Path and query, placeholders already filled. */
  path: string;
  /** Header values already expanded (may hold secrets: never log them). */
  headers?: Record<string, string>;
  body?: string;
  tenant: string | null;
  tenantClass: TenantClass;
  /** Timeout for this request in ms; the run's default when absent. */
  timeoutMs?: number;
}

/** A stream of planned requests, sorted by `atMs` (sync streams are faster). */
export type PlanStream = Iterable<PlannedRequest> | AsyncIterable<PlannedRequest>;
