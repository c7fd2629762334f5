/**
 * The dashboard's in-process cache: per tenant, with a time to live and a
 * maximum number of entries (least recently used evicted first). It lives in
 * the process's memory, so a restart (`POST /admin/deploy`) empties it, and
 * it has no single-flight: concurrent misses for one tenant each compute the
 * aggregate (a cold-cache stampede), as most hand-rolled caches do.
 */

import { monotonicClock } from '../core/clock.js';

export interface CacheOptions {
  /** Time to live of an entry, ms (default 10 minutes: longer than a demo run). */
  ttlMs?: number;
  /** Maximum entries (default 100,000). */
  maxEntries?: number;
  /** Clock in ms (injected by tests). */
  now?: () => number;
}

export interface Cache<V> {
  /** The value, or undefined on a miss (absent or expired). Counts the hit or miss. */
  get(key: string): V | undefined;
  set(key: string, value: V): void;
  /** Empties the cache; returns how many entries were dropped. */
  clear(): number;
  size(): number;
  hits(): number;
  misses(): number;
}

export const createCache = <V>(opts: CacheOptions = {}): Cache<V> => {
  const ttlMs = opts.ttlMs ?? 600_000;
  const maxEntries = opts.maxEntries ?? 100_000;
  const now = opts.now ?? (() => monotonicClock.nowMs());
  const entries = new Map<string, { value: V; expiresAtMs: number }>();
  let hits = 0;
  let misses = 0;
  return {
    get: (key) => {
      const e = entries.get(key);
      if (e === undefined || e.expiresAtMs <= now()) {
        if (e !== undefined) entries.delete(key);
        misses++;
        return undefined;
      }
      // Re-insert: Map order is the LRU order.
      entries.delete(key);
      entries.set(key, e);
      hits++;
      return e.value;
    },
    set: (key, value) => {
      entries.delete(key);
      entries.set(key, { value, expiresAtMs: now() + ttlMs });
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done === true) break;
        entries.delete(oldest.value);
      }
    },
    clear: () => {
      const n = entries.size;
      entries.clear();
      return n;
    },
    size: () => entries.size,
    hits: () => hits,
    misses: () => misses,
  };
};
