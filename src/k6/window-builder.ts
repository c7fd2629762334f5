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

/** `budgetValues`: raw latencies kept before folding (default 4 M, 16 MB). */
export const createWindowBuilder = (budgetValues = 4_000_000): WindowBuilder => {
  const windows = new Map<string, WindowAcc>();
  const droppedByKey = new Map<number, number>();
  let raw = 0;
  let minKey = Infinity;
  let maxKey = -Infinity;

  const seeKey = (k: number): void => {
    if (k < minKey) minKey = k;
    if (k > maxKey) maxKey = k;
  };

  const get = (key: number, endpoint: string, tenantClass: TenantClass): WindowAcc => {
    const id = `${key}${SEP}${endpoint}${SEP}${tenantClass}`;
    let w = windows.get(id);
    if (w === undefined) {
      w = {
        key, endpoint, tenantClass, sent: 0, dropped: 0, errors: {}, completedInWindow: 0, okInWindow: 0, ...newLatencyBuffer(),
      };
      windows.set(id, w);
      seeKey(key);
    }
    return w;
  };

  const fold = (w: WindowAcc): void => {
    raw -= foldLatency(w);
  };

  const shed = (): void => {
    const young = [...windows.values()].filter((w) => w.n > 0).sort((a, b) => a.key - b.key);
    for (const w of young) {
      if (raw <= budgetValues / 2) break;
      fold(w);
    }
  };

  return {
    addRequest(sendKey, endKey, endpoint, tenantClass, latencyUs, error) {
      const w = get(sendKey, endpoint, tenantClass);
      w.sent++;
      if (error !== null) w.errors[error] = (w.errors[error] ?? 0) + 1;
      pushLatency(w, latencyUs);
      raw++;
      const done = endKey === sendKey ? w : get(endKey, endpoint, tenantClass);
      done.completedInWindow++;
      if (error === null) done.okInWindow++;
      if (raw > budgetValues) shed();
    },
    addDropped(key, count) {
      droppedByKey.set(key, (droppedByKey.get(key) ?? 0) + count);
      seeKey(key);
    },
    keyRange() {
      return minKey === Infinity ? null : { min: minKey, max: maxKey };
    },
    rawValues() {
      return raw;
    },
    finish(shiftKey, fallback) {
      if (droppedByKey.size > 0) {
        const all = [...windows.values()];
        const runMix = new Map<string, { endpoint: string; tenantClass: TenantClass; sent: number }>();
        for (const w of all) {
          const id = `${w.endpoint}${SEP}${w.tenantClass}`;
          const m = runMix.get(id) ?? { endpoint: w.endpoint, tenantClass: w.tenantClass, sent: 0 };
          m.sent += w.sent;
          runMix.set(id, m);
        }
        const bySecond = new Map<number, WindowAcc[]>();
        for (const w of all) if (w.sent > 0) bySecond.set(w.key, [...(bySecond.get(w.key) ?? []), w]);
        for (const [key, count] of droppedByKey) {
          const here = bySecond.get(key);
          const targets: { acc: WindowAcc; weight: number }[] = here !== undefined
            ? here.map((acc) => ({ acc, weight: acc.sent }))
            : runMix.size > 0
              ? [...runMix.values()].map((m) => ({ acc: get(key, m.endpoint, m.tenantClass), weight: m.sent }))
              : [{ acc: get(key, fallback.endpoint, fallback.tenantClass), weight: 1 }];
          apportion(count, targets.map((t) => t.weight)).forEach((share, i) => {
            const t = targets[i];
            if (t !== undefined) t.acc.dropped += share;
          });
        }
      }
      const out: WindowRecord[] = [];
      for (const w of windows.values()) {
        if (w.sent === 0 && w.dropped === 0 && w.completedInWindow === 0) continue;
        fold(w);
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
    },
  };
};
