/**
 * Exact merging of what several shares (worker threads) measured: window
 * records with the same (second, endpoint, tenant class) add their counts and
 * their HDR histograms; tenant records with the same (tenant, endpoint) too.
 */
import { decodeHistogram, encodeHistogram, mergeHistograms } from '../run/histogram.js';
import type { ErrorClass, TenantRecord, TenantWindow, WindowRecord } from '../run/format.js';

const mergeEncoded = (xs: (string | undefined)[]): string | undefined => {
  const present = xs.filter((x): x is string => x !== undefined);
  if (present.length === 0) return undefined;
  if (present.length === 1) return present[0];
  return encodeHistogram(mergeHistograms(present.map(decodeHistogram)));
};

/** Merges records of the same window key (same t_s, endpoint, tenant_class). */
export const mergeWindowRecords = (rs: WindowRecord[]): WindowRecord => {
  const first = rs[0];
  if (first === undefined) throw new Error('nothing to merge');
  if (rs.length === 1) return first;
  const errors: WindowRecord['errors'] = {};
  for (const r of rs) for (const [k, v] of Object.entries(r.errors)) errors[k as ErrorClass] = (errors[k as ErrorClass] ?? 0) + (v ?? 0);
  const sum = (f: (r: WindowRecord) => number): number => rs.reduce((s, r) => s + f(r), 0);
  const out: WindowRecord = {
    t_s: first.t_s, endpoint: first.endpoint, tenant_class: first.tenant_class,
    offered: sum((r) => r.offered), sent: sum((r) => r.sent), dropped: sum((r) => r.dropped), completed: sum((r) => r.completed),
    errors, completed_in_window: sum((r) => r.completed_in_window), ok_in_window: sum((r) => r.ok_in_window),
    latency: mergeEncoded(rs.map((r) => r.latency)) as string,
  };
  const service = mergeEncoded(rs.map((r) => r.service));
  const lag = mergeEncoded(rs.map((r) => r.lag));
  if (service !== undefined) out.service = service;
  if (lag !== undefined) out.lag = lag;
  return out;
};

/** Merges one second's records from every share, grouping by endpoint and class (first-seen order). */
export const mergeSecond = (parts: WindowRecord[][]): WindowRecord[] => {
  if (parts.length === 1) return parts[0] ?? [];
  const groups = new Map<string, WindowRecord[]>();
  for (const part of parts) {
    for (const r of part) {
      const k = `${r.endpoint}\u0000${r.tenant_class}`;
      const g = groups.get(k);
      if (g === undefined) groups.set(k, [r]);
      else g.push(r);
    }
  }
  return [...groups.values()].map(mergeWindowRecords);
};

/** Merges the windows of one tenant's records by window start. */
const mergeTenantWindows = (g: readonly TenantRecord[]): TenantWindow[] | undefined => {
  if (g.every((r) => r.windows === undefined)) return undefined;
  const byT = new Map<number, TenantWindow[]>();
  for (const w of g.flatMap((r) => r.windows ?? [])) byT.set(w.t_s, [...(byT.get(w.t_s) ?? []), w]);
  return [...byT.entries()].sort((a, b) => a[0] - b[0]).map(([t_s, ws]) => ({
    t_s,
    requests: ws.reduce((s, w) => s + w.requests, 0),
    errors: ws.reduce((s, w) => s + w.errors, 0),
    latency: mergeEncoded(ws.map((w) => w.latency)) as string,
  }));
};

/** Merges tenant records from every share by (tenant, endpoint). */
export const mergeTenantRecords = (rs: TenantRecord[]): TenantRecord[] => {
  const groups = new Map<string, TenantRecord[]>();
  for (const r of rs) {
    const k = `${r.tenant}\u0000${r.endpoint}`;
    const g = groups.get(k);
    if (g === undefined) groups.set(k, [r]);
    else g.push(r);
  }
  return [...groups.values()].map((g) => {
    const first = g[0] as TenantRecord;
    if (g.length === 1) return first;
    const windows = mergeTenantWindows(g);
    return {
      ...first,
      requests: g.reduce((s, r) => s + r.requests, 0),
      errors: g.reduce((s, r) => s + r.errors, 0),
      latency: mergeEncoded(g.map((r) => r.latency)) as string,
      ...(windows === undefined ? {} : { windows }),
    };
  });
};

/**
 * Collects closed seconds from N shares (each in order from second 0) and
 * hands each second on, merged, once every share has closed it.
 */
export class WindowMerger {
  private readonly pending = new Map<number, WindowRecord[][]>();
  private readonly next: number[];
  private emitted = 0;
  constructor(private readonly shares: number, private readonly emit: (records: WindowRecord[]) => void) {
    this.next = new Array<number>(shares).fill(0);
  }
  add(share: number, seconds: WindowRecord[][]): void {
    for (const recs of seconds) {
      const t = this.next[share] ?? 0;
      this.next[share] = t + 1;
      let parts = this.pending.get(t);
      if (parts === undefined) {
        parts = [];
        this.pending.set(t, parts);
      }
      parts.push(recs);
    }
    this.drain(Math.min(...this.next));
  }
  private drain(untilS: number): void {
    while (this.emitted < untilS) {
      const parts = this.pending.get(this.emitted) ?? [];
      this.pending.delete(this.emitted);
      const merged = mergeSecond(parts);
      if (merged.length > 0) this.emit(merged);
      this.emitted++;
    }
  }
  /** Emits every remaining second (shares that ended earlier had nothing more). */
  finish(): void {
    this.drain(Math.max(this.emitted, ...this.next));
  }
}
