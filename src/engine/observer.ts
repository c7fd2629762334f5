/**
 * Observers watch the target while a run goes on (Prometheus scrapes,
 * PostgreSQL activity and statements, plans) and write their own files into
 * the run directory. The engine starts them before the first arrival, tells
 * them about each event, and stops them after the last response.
 */
import type { Scenario } from '../scenario/scenario.js';
import type { Manifest } from '../data/manifest.js';
import type { EventRecord } from '../run/format.js';
import type { Dispatcher } from 'undici';
import type { PinnedHost } from './reach.js';

export interface RunContext {
  /** The run directory (exists, writable). */
  runDir: string;
  /**
   * Epoch ms of the run's time zero. The engine may fix it only after every
   * observer has started (it is a placeholder during `start`): read it when
   * needed, never once at `start`.
   */
  startedAtMs: number;
  /** Milliseconds since the run's time zero (the engine's clock; negative before it). */
  nowMs: () => number;
  /** Target base URL, or null (log replays against several hosts, k6 imports). */
  target: URL | null;
  scenario: Scenario | null;
  manifest: Manifest | null;
  /** Aborted when the run stops early. */
  signal: AbortSignal;
  /** One line of progress or warning for people (already redacted by the caller's sink). */
  log: (line: string) => void;
  /**
   * HTTP to the hosts checked against the safety rule at the start (scrapes):
   * connects to the checked addresses only, follows no redirect [undici's global dispatcher].
   */
  dispatcher?: Dispatcher;
  /**
   * The hosts checked against the safety rule at the start, with their
   * checked addresses: an observer connecting by other means than HTTP (a
   * database driver) connects to one of these instead of resolving again.
   */
  pins?: readonly PinnedHost[];
}

export interface Observer {
  name: string;
  /** Starts observing; resolves once a first snapshot is taken (or failed and was recorded). */
  start(ctx: RunContext): Promise<void>;
  /** Called after each profile event finished (snapshot points, plan re-checks). */
  onEvent?(event: EventRecord): Promise<void>;
  /** Stops and flushes files. Never throws for a failing target: failures are recorded. */
  stop(): Promise<void>;
}
