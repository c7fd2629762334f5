/**
 * Builds run-directory windows (run/format.ts WindowRecord: one per second ×
 * endpoint × tenant class) from individual requests, in bounded memory.
 *
 * Latencies are kept raw (µs in a typed array) while a window is young and
 * folded into an encoded HDR histogram once the raw values of all windows pass
 * a budget, oldest seconds first. A window that receives more requests after
 * that (a late sample, or the next runner's file) is decoded, added to and
 * re-encoded: the result is exact whatever the order of the input.
 *
 * Seconds are integer keys on the caller's time axis; they may be negative
 * (the importer shifts them once it knows where the run starts).
 */
import type { ErrorClass, TenantClass, WindowRecord } from '../run/format.js';
import { foldLatency, newLatencyBuffer, pushLatency, type LatencyBuffer } from './latency-buffer.js';

interface WindowAcc extends LatencyBuffer {
  key: number;
  endpoint: string;
  tenantClass: TenantClass;
  sent: number;
  dropped: number;
  errors: Partial<Record<ErrorClass, number>>;
  completedInWindow: number;
  okInWindow: number;
}

export interface WindowBuilder {
  /** A request sent in second `sendKey` that finished in second `endKey`. `error` null when it succeeded. */
  addRequest(sendKey: number, endKey: number, endpoint: string, tenantClass: TenantClass, latencyUs: number, error: ErrorClass | null): void;
  /**
   * Arrivals that were never sent (k6's dropped_iterations carry no endpoint):
   * spread over the second's endpoint × class windows in proportion to their
   * requests (largest remainder, so the total is exact); a second without
   * requests uses the whole run's mix; with no requests at all, `fallback`.
   */
  addDropped(key: number, count: number): void;
  /** Smallest and largest second seen, or null when empty. */
  keyRange(): { min: number; max: number } | null;
  /** The windows, with `t_s = key - shiftKey`, sorted by second, endpoint, class. Call once, at the end. */
  finish(shiftKey: number, fallback: { endpoint: string; tenantClass: TenantClass }): WindowRecord[];
  /** Raw latencies held right now (for tests of the memory bound). */
  rawValues(): number;
}

/**
 * Largest-remainder (Hamilton) apportionment of `total` items over `weights`:
 * each share is floor or ceil of its quota, and the shares sum to `total`.
 * All-zero weights split evenly.
 */
export const apportion = (total: number, weights: readonly number[]): number[] => {
  if (weights.length === 0) return [];
  const sum = weights.reduce((s, w) => s + w, 0);
  const w = sum > 0 ? weights : weights.map(() => 1);
  const wsum = sum > 0 ? sum : weights.length;
  const quotas = w.map((x) => (x / wsum) * total);
  const shares = quotas.map(Math.floor);
  let left = total - shares.reduce((s, x) => s + x, 0);
  const order = quotas.map((q, i) => ({ i, frac: q - Math.floor(q) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    shares[i] = (shares[i] ?? 0) + 1;
    left--;
  }
  return shares;
};

const SEP = '\u0000';

/** The windows being built and the raw latencies they hold. */
interface BuilderState {
  /** Keyed `key\0endpoint\0class`. */
  windows: Map<string, WindowAcc>;
  /** Dropped iterations per window key (no endpoint: apportioned at the end). */
  droppedByKey: Map<number, number>;
  /** Raw latencies held, over every window. */
  raw: number;
  budgetValues: number;
  minKey: number;
  maxKey: number;
}

const seeKey = (s: BuilderState, k: number): void => {
  if (k < s.minKey) s.minKey = k;
  if (k > s.maxKey) s.maxKey = k;
};

/** The window of (key, endpoint, class), made when new. */
const windowAt = (s: BuilderState, key: number, endpoint: string, tenantClass: TenantClass): WindowAcc => {
  const id = `${key}${SEP}${endpoint}${SEP}${tenantClass}`;
  let w = s.windows.get(id);
  if (w === undefined) {
    w = {
      key, endpoint, tenantClass, sent: 0, dropped: 0, errors: {}, completedInWindow: 0, okInWindow: 0, ...newLatencyBuffer(),
    };
    s.windows.set(id, w);
    seeKey(s, key);
  }
  return w;
};

const fold = (s: BuilderState, w: WindowAcc): void => {
  s.raw -= foldLatency(w);
};

/** Folds the oldest windows' raw latencies until half the budget is left. */
const shed = (s: BuilderState): void => {
  const young = [...s.windows.values()].filter((w) => w.n > 0).sort((a, b) => a.key - b.key);
  for (const w of young) {
    if (s.raw <= s.budgetValues / 2) break;
    fold(s, w);
  }
};

const addRequest = (s: BuilderState, sendKey: number, endKey: number, endpoint: string, tenantClass: TenantClass, latencyUs: number, error: ErrorClass | null): void => {
  const w = windowAt(s, sendKey, endpoint, tenantClass);
  w.sent++;
  if (error !== null) w.errors[error] = (w.errors[error] ?? 0) + 1;
  pushLatency(w, latencyUs);
  s.raw++;
  const done = endKey === sendKey ? w : windowAt(s, endKey, endpoint, tenantClass);
  done.completedInWindow++;
  if (error === null) done.okInWindow++;
  if (s.raw > s.budgetValues) shed(s);
};

/**
 * Spreads each second's dropped iterations over that second's windows in
 * proportion to their requests; a second without requests uses the run's mix,
 * a run without requests the fallback window.
 */
const apportionDropped = (s: BuilderState, fallback: { endpoint: string; tenantClass: TenantClass }): void => {
  const all = [...s.windows.values()];
  const runMix = new Map<string, { endpoint: string; tenantClass: TenantClass; sent: number }>();
  for (const w of all) {
    const id = `${w.endpoint}${SEP}${w.tenantClass}`;
    const m = runMix.get(id) ?? { endpoint: w.endpoint, tenantClass: w.tenantClass, sent: 0 };
    m.sent += w.sent;
    runMix.set(id, m);
  }
  const bySecond = new Map<number, WindowAcc[]>();
  for (const w of all) if (w.sent > 0) bySecond.set(w.key, [...(bySecond.get(w.key) ?? []), w]);
  for (const [key, count] of s.droppedByKey) {
    const here = bySecond.get(key);
    const targets: { acc: WindowAcc; weight: number }[] = here !== undefined
      ? here.map((acc) => ({ acc, weight: acc.sent }))
      : runMix.size > 0
        ? [...runMix.values()].map((m) => ({ acc: windowAt(s, key, m.endpoint, m.tenantClass), weight: m.sent }))
        : [{ acc: windowAt(s, key, fallback.endpoint, fallback.tenantClass), weight: 1 }];
    apportion(count, targets.map((t) => t.weight)).forEach((share, i) => {
      const t = targets[i];
      if (t !== undefined) t.acc.dropped += share;
    });
  }
};

/** Every non-empty window as a record, in time, endpoint and class order. */
const windowRecords = (s: BuilderState, shiftKey: number): WindowRecord[] => {
  const out: WindowRecord[] = [];
  for (const w of s.windows.values()) {
    if (w.sent === 0 && w.dropped === 0 && w.completedInWindow === 0) continue;
    fold(s, w);
    out.push({
      t_s: w.key - shiftKey,
      endpoint: w.endpoint,
      tenant_class: w.tenantClass,
      offered: w.sent + w.dropped,
      sent: w.sent,
      dropped: w.dropped,
      completed: w.sent,
      errors: w.errors,
      completed_in_window: w.completedInWindow,
      ok_in_window: w.okInWindow,
      latency: w.encoded ?? '',
    });
  }
  return out.sort((a, b) => a.t_s - b.t_s || (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0) || (a.tenant_class < b.tenant_class ? -1 : 1));
};

/** `budgetValues`: raw latencies kept before folding (default 4 M, 16 MB). */
export const createWindowBuilder = (budgetValues = 4_000_000): WindowBuilder => {
  const s: BuilderState = { windows: new Map(), droppedByKey: new Map(), raw: 0, budgetValues, minKey: Infinity, maxKey: -Infinity };
  return {
    addRequest: (sendKey, endKey, endpoint, tenantClass, latencyUs, error) => addRequest(s, sendKey, endKey, endpoint, tenantClass, latencyUs, error),
    addDropped(key, count) {
      s.droppedByKey.set(key, (s.droppedByKey.get(key) ?? 0) + count);
      seeKey(s, key);
    },
    keyRange: () => (s.minKey === Infinity ? null : { min: s.minKey, max: s.maxKey }),
    rawValues: () => s.raw,
    finish(shiftKey, fallback) {
      if (s.droppedByKey.size > 0) apportionDropped(s, fallback);
      return windowRecords(s, shiftKey);
    },
  };
};
