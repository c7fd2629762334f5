/**
 * The measurements of one share of a run (one thread): per-second windows
 * (second × endpoint × tenant class, src/run/format.ts), whole-run per-tenant
 * histograms for the tracked tenants (the biggest 16 also per window of
 * TENANT_WINDOW_S seconds: memory grows with the run's length by at most
 * 16 × endpoints × length / 10 s small histograms), the run's schedule lag,
 * and live counters for the progress view.
 *
 * Windows are keyed by the **intended** second of each request; achieved
 * throughput (`completed_in_window`, `ok_in_window`) by completion second. A
 * second is closed (written, its histograms recycled) once no arrival can
 * still fall in it, every request sent in it has finished, and the clock has
 * left it, so memory stays bounded by the seconds still in flight.
 *
 * Hot path: `arrive`/`complete` do no allocation beyond a new window's cells;
 * histograms are dense HDR arrays reused from a free list.
 */
import { createHistogram, encodeHistogram, recordMs, type Histogram } from '../run/histogram.js';
import { ERROR_CLASSES, TENANT_CLASSES, TENANT_WINDOW_S, type ErrorClass, type TenantClass, type TenantRecord, type WindowRecord } from '../run/format.js';

const NCLS = TENANT_CLASSES.length;
const NERR = ERROR_CLASSES.length;

/** Index of a tenant class in TENANT_CLASSES. */
export const CLASS_INDEX: Record<TenantClass, number> = Object.fromEntries(TENANT_CLASSES.map((c, i) => [c, i])) as Record<TenantClass, number>;
/** Index of an error class in ERROR_CLASSES; -1 means success. */
export const ERROR_INDEX: Record<ErrorClass, number> = Object.fromEntries(ERROR_CLASSES.map((c, i) => [c, i])) as Record<ErrorClass, number>;

class Cell {
  offered = 0;
  sent = 0;
  dropped = 0;
  completed = 0;
  errors = new Uint32Array(NERR);
  completedInWindow = 0;
  okInWindow = 0;
  latency: Histogram | null = null;
  service: Histogram | null = null;
  lag: Histogram | null = null;
}

class Bucket {
  pending = 0;
  cells: (Cell | undefined)[] = [];
  constructor(readonly t: number) {}
}

/** A tenant tracked with its own whole-run histograms (one per endpoint). */
export interface TrackedTenant { id: string; rows: number | null; tenantClass: TenantClass }

/** Requests, errors and latency of one tenant on one endpoint (whole run, or one tenant window). */
interface TenantCounts { h: Histogram; requests: number; errors: number }

/** One tracked tenant's histograms per endpoint; `windowed` tenants also per TENANT_WINDOW_S window (by window index). */
interface TenantSlot {
  info: TrackedTenant;
  dense: boolean;
  windowed: boolean;
  perEndpoint: ({ whole: TenantCounts; windows: Map<number, TenantCounts> | null } | undefined)[];
}

/** Live counters since the last `takeLive` (for the progress view). */
export interface LiveSnapshot {
  offered: number;
  sent: number;
  dropped: number;
  completed: number;
  ok: number;
  errors: number;
  /** Latencies of the requests completed in the period. */
  latency: Histogram;
}

/** Zero counts for every error class. */
export const emptyErrorCounts = (): Record<ErrorClass, number> => Object.fromEntries(ERROR_CLASSES.map((c) => [c, 0])) as Record<ErrorClass, number>;

/** Whole-run totals of one share. */
export interface ShareTotals {
  offered: number;
  sent: number;
  dropped: number;
  completed: number;
  ok: number;
  errors: Record<ErrorClass, number>;
}

/** Options of a recorder. */
export interface RecorderOptions {
  /** Tenants with their own histograms, heaviest first; null tracks the first `tenantCap` seen. */
  trackedTenants: TrackedTenant[] | null;
  /** Cap on tenants tracked when `trackedTenants` is null (default 300). */
  tenantCap?: number;
  /** Tenants (heaviest first) whose histograms use the fast dense layout (default 16); others are packed. */
  denseTenants?: number;
  /** Tenants (heaviest first, of `trackedTenants`) also recorded per TENANT_WINDOW_S window (default 16). */
  windowedTenants?: number;
  /** The free list of histograms (see `free`), when shared with another recorder on the same thread. */
  pool?: Histogram[];
}

/** What `Recorder.close` closes. */
export interface CloseOptions {
  /** The share's clock, ms since time zero: a second is closed only once the clock has left it. */
  nowMs: number;
  /** The next planned arrival, ms (Infinity once arrivals ended): a second it may still land in stays open. */
  frontierMs: number;
  /** Close every second below `untilS` whatever is pending (the end of the run). Default false. */
  force?: boolean;
  /** With `force`: the first second not closed. Default Infinity. */
  untilS?: number;
  /** At most this many seconds per call. Default Infinity. */
  limit?: number;
}

/** A histogram of a closed second still to encode into its record. */
interface EncodeJob { rec: WindowRecord; field: 'latency' | 'service' | 'lag'; h: Histogram }

/** A closed second: its records, complete once `next` has passed every job. */
interface Closing { recs: WindowRecord[]; jobs: EncodeJob[]; next: number }

/** Records one share's requests; see the module comment. */
export class Recorder {
  private readonly endpointIndex = new Map<string, number>();
  readonly endpoints: string[] = [];
  private readonly buckets = new Map<number, Bucket>();
  /** Every second below this is closed. */
  private nextClose = 0;
  /**
   * Encoded histograms (each ~94 KB, dense), for the next seconds' cells. Not
   * capped: it never holds more than the most histograms that were in use at
   * once, and a cap below a second's count (3 per endpoint and tenant class)
   * made every second allocate and zero megabytes anew.
   */
  private readonly free: Histogram[];
  /** Seconds closed by `detach` whose histograms `encodeStep` has not all encoded, oldest first. */
  private readonly closing: Closing[] = [];
  private readonly tenants = new Map<string, TenantSlot>();
  private readonly tenantCap: number;
  private readonly openTracking: boolean;
  private readonly denseTenants: number;
  /** Schedule lag (actual − intended send) of every sent request, in the seconds closed so far. */
  readonly lag: Histogram = createHistogram();
  readonly totals: ShareTotals = { offered: 0, sent: 0, dropped: 0, completed: 0, ok: 0, errors: emptyErrorCounts() };
  private live: LiveSnapshot = { offered: 0, sent: 0, dropped: 0, completed: 0, ok: 0, errors: 0, latency: createHistogram() };
  /** The live histogram handed out by the previous `takeLive`, reused by the next (a dense one is ~90 KB). */
  private spareLive: Histogram = createHistogram();

  constructor(opts: RecorderOptions) {
    this.free = opts.pool ?? [];
    this.tenantCap = opts.tenantCap ?? 300;
    this.denseTenants = opts.denseTenants ?? 16;
    this.openTracking = opts.trackedTenants === null;
    const windowed = opts.windowedTenants ?? 16;
    (opts.trackedTenants ?? []).forEach((t, i) => this.tenants.set(t.id, { info: t, dense: i < this.denseTenants, windowed: i < windowed, perEndpoint: [] }));
  }

  /** Fills the free list to `count` histograms (before time zero: a first second's cells then allocate none). */
  prefill(count: number): void {
    while (this.free.length < count) this.free.push(createHistogram());
  }

  /** Index of an endpoint name (assigned on first sight). */
  endpointId(name: string): number {
    let i = this.endpointIndex.get(name);
    if (i === undefined) {
      i = this.endpoints.length;
      this.endpoints.push(name);
      this.endpointIndex.set(name, i);
    }
    return i;
  }

  private histogram(): Histogram {
    return this.free.pop() ?? createHistogram();
  }

  private cell(t: number, ep: number, cls: number): Cell {
    let b = this.buckets.get(t);
    if (b === undefined) {
      b = new Bucket(t);
      this.buckets.set(t, b);
    }
    const k = ep * NCLS + cls;
    let c = b.cells[k];
    if (c === undefined) {
      c = new Cell();
      b.cells[k] = c;
    }
    return c;
  }

  /** An arrival that the in-flight cap turned away (k6's dropped_iterations). */
  drop(atMs: number, ep: number, cls: number): void {
    const c = this.cell(Math.floor(atMs / 1000), ep, cls);
    c.offered++;
    c.dropped++;
    this.totals.offered++;
    this.totals.dropped++;
    this.live.offered++;
    this.live.dropped++;
  }

  /** An arrival that was sent at `sentMs`. */
  send(atMs: number, sentMs: number, ep: number, cls: number): void {
    const t = Math.floor(atMs / 1000);
    const c = this.cell(t, ep, cls);
    c.offered++;
    c.sent++;
    (this.buckets.get(t) as Bucket).pending++;
    // The run's lag histogram is the sum of the cells' (added as they close): one record per send.
    recordMs((c.lag ??= this.histogram()), sentMs - atMs);
    this.totals.offered++;
    this.totals.sent++;
    this.live.offered++;
    this.live.sent++;
  }

  /** A sent request finished at `doneMs`; `err` is an ERROR_INDEX or -1 for success. */
  complete(atMs: number, sentMs: number, doneMs: number, ep: number, cls: number, err: number, tenant: string | null): void {
    const t = Math.floor(atMs / 1000);
    const c = this.cell(t, ep, cls);
    const b = this.buckets.get(t) as Bucket;
    b.pending--;
    c.completed++;
    const latencyMs = doneMs - atMs;
    recordMs((c.latency ??= this.histogram()), latencyMs);
    recordMs((c.service ??= this.histogram()), doneMs - sentMs);
    const d = this.cell(Math.floor(doneMs / 1000), ep, cls);
    d.completedInWindow++;
    this.totals.completed++;
    this.live.completed++;
    recordMs(this.live.latency, latencyMs);
    if (err < 0) {
      d.okInWindow++;
      this.totals.ok++;
      this.live.ok++;
    } else {
      c.errors[err] = (c.errors[err] ?? 0) + 1;
      this.totals.errors[ERROR_CLASSES[err] as ErrorClass]++;
      this.live.errors++;
    }
    if (tenant !== null) this.recordTenant(tenant, cls, ep, t, latencyMs, err >= 0);
  }

  /** `t` is the request's intended second. */
  private recordTenant(tenant: string, cls: number, ep: number, t: number, latencyMs: number, failed: boolean): void {
    let slot = this.tenants.get(tenant);
    if (slot === undefined) {
      if (!this.openTracking || this.tenants.size >= this.tenantCap) return;
      slot = { info: { id: tenant, rows: null, tenantClass: TENANT_CLASSES[cls] as TenantClass }, dense: this.tenants.size < this.denseTenants, windowed: false, perEndpoint: [] };
      this.tenants.set(tenant, slot);
    }
    let s = slot.perEndpoint[ep];
    if (s === undefined) {
      s = { whole: { h: createHistogram(slot.dense ? 'dense' : 'packed'), requests: 0, errors: 0 }, windows: slot.windowed ? new Map() : null };
      slot.perEndpoint[ep] = s;
    }
    countTenant(s.whole, latencyMs, failed);
    if (s.windows !== null) {
      const w = Math.floor(t / TENANT_WINDOW_S);
      let c = s.windows.get(w);
      if (c === undefined) s.windows.set(w, (c = { h: createHistogram('packed'), requests: 0, errors: 0 }));
      countTenant(c, latencyMs, failed);
    }
  }

  /**
   * Live counters since the previous call; resets them. The snapshot's
   * histogram is valid until the next call, which reuses it: merge or encode
   * it before then.
   */
  takeLive(): LiveSnapshot {
    const out = this.live;
    const latency = this.spareLive;
    latency.reset();
    this.spareLive = out.latency;
    this.live = { offered: 0, sent: 0, dropped: 0, completed: 0, ok: 0, errors: 0, latency };
    return out;
  }

  /** Requests sent and not yet finished, over all open seconds. */
  get pending(): number {
    let n = 0;
    for (const b of this.buckets.values()) n += b.pending;
    return n;
  }

  /**
   * Closes the seconds that are complete, in order: no arrival can still land
   * in them (`frontierMs` is the next planned arrival), nothing sent in them
   * is pending, and `nowMs` has left them. With `force`, closes every second
   * below `untilS` regardless (end of run). Returns the records of every
   * closed second, with those `detach` closed before and `encodeStep` had
   * not finished, in order.
   */
  close(opts: CloseOptions): WindowRecord[][] {
    this.detach(opts);
    const out: WindowRecord[][] = [];
    while (this.closing.length > 0) out.push(...this.encodeStep());
    return out;
  }

  /**
   * Closes the seconds that are complete, as `close` does, but leaves their
   * histograms to `encodeStep`: it only builds their records (counts, no
   * encoding), so the caller can spread the encoding over turns of its loop.
   */
  detach(opts: CloseOptions): void {
    const { nowMs, frontierMs, force = false, untilS = Infinity, limit = Infinity } = opts;
    for (let n = 0; n < limit; n++) {
      const t = this.nextClose;
      const endMs = (t + 1) * 1000;
      if (force) {
        if (t >= untilS) break;
      } else if (endMs > frontierMs || endMs > nowMs) break;
      const b = this.buckets.get(t);
      if (!force && b !== undefined && b.pending > 0) break;
      this.closing.push(b === undefined ? { recs: [], jobs: [], next: 0 } : this.records(b));
      this.buckets.delete(t);
      this.nextClose = t + 1;
    }
  }

  /** Whether closed seconds wait for `encodeStep`. */
  get encoding(): boolean {
    return this.closing.length > 0;
  }

  /**
   * Encodes one histogram of the oldest closed second (0.1–0.5 ms for a dense
   * one); returns the seconds that are now complete, in order (none, or the
   * oldest and any empty ones after it).
   */
  encodeStep(): WindowRecord[][] {
    const head = this.closing[0];
    if (head === undefined) return [];
    const job = head.jobs[head.next];
    if (job !== undefined) {
      head.next++;
      if (job.field === 'lag') this.lag.add(job.h);
      job.rec[job.field] = this.encodeAndFree(job.h);
    }
    const out: WindowRecord[][] = [];
    for (let c = this.closing[0]; c !== undefined && c.next >= c.jobs.length; c = this.closing[0]) {
      out.push(c.recs);
      this.closing.shift();
    }
    return out;
  }

  /** The last second (exclusive) that holds any record: close({ force: true, untilS: this.endSecond, … }) flushes all. */
  get endSecond(): number {
    let m = this.nextClose;
    for (const t of this.buckets.keys()) m = Math.max(m, t + 1);
    return m;
  }

  private encodeAndFree(h: Histogram): string {
    const s = encodeHistogram(h);
    h.reset();
    this.free.push(h);
    return s;
  }

  /** A second's records, counts filled in, and the histograms still to encode into them (latency, service, lag: the records' key order). */
  private records(b: Bucket): Closing {
    const recs: WindowRecord[] = [];
    const jobs: EncodeJob[] = [];
    b.cells.forEach((c, k) => {
      if (c === undefined) return;
      const errors: WindowRecord['errors'] = {};
      c.errors.forEach((n, i) => {
        if (n > 0) errors[ERROR_CLASSES[i] as ErrorClass] = n;
      });
      const rec: WindowRecord = {
        t_s: b.t,
        endpoint: this.endpoints[Math.floor(k / NCLS)] as string,
        tenant_class: TENANT_CLASSES[k % NCLS] as TenantClass,
        offered: c.offered,
        sent: c.sent,
        dropped: c.dropped,
        completed: c.completed,
        errors,
        completed_in_window: c.completedInWindow,
        ok_in_window: c.okInWindow,
        latency: c.latency === null ? EMPTY_ENCODED() : '',
      };
      if (c.latency !== null) jobs.push({ rec, field: 'latency', h: c.latency });
      if (c.service !== null) jobs.push({ rec, field: 'service', h: c.service });
      if (c.lag !== null) jobs.push({ rec, field: 'lag', h: c.lag });
      recs.push(rec);
    });
    return { recs, jobs, next: 0 };
  }

  /** Whole-run records of the tracked tenants that saw requests. */
  tenantRecords(): TenantRecord[] {
    const out: TenantRecord[] = [];
    for (const slot of this.tenants.values()) {
      slot.perEndpoint.forEach((s, ep) => {
        if (s === undefined) return;
        const rec: TenantRecord = {
          tenant: slot.info.id,
          rows: slot.info.rows,
          tenant_class: slot.info.tenantClass,
          endpoint: this.endpoints[ep] as string,
          requests: s.whole.requests,
          errors: s.whole.errors,
          latency: encodeHistogram(s.whole.h),
        };
        if (s.windows !== null) {
          rec.windows = [...s.windows.entries()].sort((a, b) => a[0] - b[0])
            .map(([w, c]) => ({ t_s: w * TENANT_WINDOW_S, requests: c.requests, errors: c.errors, latency: encodeHistogram(c.h) }));
        }
        out.push(rec);
      });
    }
    return out;
  }
}

/** Counts one request of a tenant. */
const countTenant = (c: TenantCounts, latencyMs: number, failed: boolean): void => {
  c.requests++;
  if (failed) c.errors++;
  recordMs(c.h, latencyMs);
};

let emptyEncoded: string | null = null;
/** The encoding of an empty histogram (cached). */
export const EMPTY_ENCODED = (): string => (emptyEncoded ??= encodeHistogram(createHistogram()));
