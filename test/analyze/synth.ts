/**
 * A small discrete-event simulator that writes synthetic run directories with
 * known answers: Poisson arrivals (thinning over a rate curve), endpoints
 * picked by weight, tenants picked by rows, a service-time model, and
 * optionally a FIFO server of N slots (so saturation happens exactly at
 * N / service time) whose in-use and waiting counts become pool gauges.
 * Windows are attributed as the engine does: by intended second, with
 * completions counted by completion second.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng, randExp, type Rng } from '../../src/core/rng.js';
import { createHistogram, encodeHistogram, recordMs, type Histogram } from '../../src/run/histogram.js';
import {
  RUN_FILES, TENANT_WINDOW_S, type ErrorClass, type EventRecord, type RunMeta, type ScrapeRecord, type TenantClass, type TenantRecord, type WindowRecord,
} from '../../src/run/format.js';
import { baseMeta } from '../helpers/rundir.js';

export interface SynthTenant { id: string; rows: number; cls: TenantClass }

export interface SynthRequest { t: number; endpoint: string; tenant: SynthTenant | null }

export interface SynthSpec {
  seed?: number;
  durationS: number;
  /** Total arrival rate (rps) at time t (s). */
  rate: (tS: number) => number;
  endpoints: { name: string; weight: number }[];
  /** Tenants, picked with probability ∝ rows (+1 so empty tenants are picked too). */
  tenants?: SynthTenant[];
  /** Endpoints that pick tenants uniformly (the scenario's `tenant: uniform`). */
  uniformTenants?: string[];
  /** Service time in ms. */
  serviceMs: (r: SynthRequest, rng: Rng) => number;
  /** FIFO slots (a pool) shared by all endpoints; omit for unlimited concurrency. */
  slots?: number;
  /** Endpoints with their own FIFO pool of this many slots. */
  slotsFor?: Record<string, number>;
  /** Schedule lag of a request, ms (the generator sent it late); windows then carry lag and service histograms. */
  lagMs?: (r: SynthRequest, rng: Rng) => number;
  /** Error class of a request, or null. */
  error?: (r: SynthRequest, rng: Rng) => ErrorClass | null;
  events?: { t_s: number; action: string }[];
  /** Scrape pool gauges every second (needs `slots`). */
  gauges?: boolean;
  slo?: string[];
  /** Scenario text written to scenario.yaml. */
  scenarioText?: string;
  /** Per-tenant histograms for tenants with at least this many requests (default 1). */
  tenantMinRequests?: number;
  /** Also write per-window histograms (TENANT_WINDOW_S) for every tenant, as the engine does for the biggest ones. */
  tenantWindows?: boolean;
  meta?: Partial<RunMeta>;
}

/** Zipf-sized tenants: `n` tenants, rows ∝ 1/rank, the top 1% `top1`, next to 10% `top10`, plus `empty` zero-row ones. */
export const zipfTenants = (n: number, topRows: number, empty = 0): SynthTenant[] => {
  const out: SynthTenant[] = [];
  for (let i = 0; i < n; i++) {
    const rank = i + 1;
    const cls: TenantClass = rank <= Math.max(1, Math.round(n * 0.01)) ? 'top1' : rank <= Math.round(n * 0.1) ? 'top10' : 'rest';
    out.push({ id: `t${String(rank).padStart(4, '0')}`, rows: Math.max(1, Math.round(topRows / rank)), cls });
  }
  for (let i = 0; i < empty; i++) out.push({ id: `e${i}`, rows: 0, cls: 'empty' });
  return out;
};

interface Done { arrival: number; sent: number; start: number; finish: number; r: SynthRequest; error: ErrorClass | null }

const pickWeighted = <T>(items: readonly T[], cum: number[], rng: Rng): T => {
  const total = cum[cum.length - 1] ?? 0;
  const u = rng() * total;
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cum[mid] ?? 0) > u) hi = mid;
    else lo = mid + 1;
  }
  return items[lo] as T;
};

const cumulative = (ws: number[]): number[] => {
  let s = 0;
  return ws.map((w) => (s += w));
};

/** Simulates the run; returns the requests with their times (ms). */
export const simulate = (spec: SynthSpec): Done[] => {
  const seed = spec.seed ?? 1;
  const arr = createRng(seed, 'arrivals');
  const pick = createRng(seed, 'pick');
  const svc = createRng(seed, 'service');
  const maxRate = Math.max(...Array.from({ length: Math.ceil(spec.durationS * 10) + 1 }, (_, i) => spec.rate(i / 10)));
  const epCum = cumulative(spec.endpoints.map((e) => e.weight));
  const tenantCum = spec.tenants ? cumulative(spec.tenants.map((t) => t.rows + 1)) : [];
  const uniformCum = spec.tenants ? cumulative(spec.tenants.map(() => 1)) : [];
  const shared = spec.slots === undefined ? null : new Array<number>(spec.slots).fill(0);
  const own = new Map(Object.entries(spec.slotsFor ?? {}).map(([e, n]) => [e, new Array<number>(n).fill(0)]));
  const out: Done[] = [];
  for (let t = 0; ;) {
    t += randExp(arr, 1 / maxRate);
    if (t >= spec.durationS) break;
    if (arr() * maxRate > spec.rate(t)) continue;
    const endpoint = pickWeighted(spec.endpoints, epCum, pick).name;
    const cum = spec.uniformTenants?.includes(endpoint) ? uniformCum : tenantCum;
    const r: SynthRequest = { t, endpoint, tenant: spec.tenants ? pickWeighted(spec.tenants, cum, pick) : null };
    const arrival = t * 1000;
    const sent = arrival + (spec.lagMs?.(r, svc) ?? 0);
    const s = spec.serviceMs(r, svc);
    let start = sent;
    const slots = own.get(endpoint) ?? shared;
    if (slots !== null) {
      let best = 0;
      for (let i = 1; i < slots.length; i++) if ((slots[i] ?? 0) < (slots[best] ?? 0)) best = i;
      start = Math.max(sent, slots[best] ?? 0);
      slots[best] = start + s;
    }
    out.push({ arrival, sent, start, finish: start + s, r, error: spec.error?.(r, svc) ?? null });
  }
  return out;
};

const written: string[] = [];

/** Removes every run directory `synthRun` wrote (call from afterAll). */
export const removeSynthRuns = (): void => {
  for (const d of written.splice(0)) rmSync(d, { recursive: true, force: true });
};

/** Simulates and writes a run directory; returns its path. */
export const synthRun = (spec: SynthSpec): string => {
  const done = simulate(spec);
  const graceMs = 5000;
  const endMs = spec.durationS * 1000;
  type Acc = { w: Omit<WindowRecord, 'latency'>; h: Histogram; lag: Histogram; service: Histogram };
  const windows = new Map<string, Acc>();
  const acc = (t_s: number, endpoint: string, cls: TenantClass): Acc => {
    const key = `${t_s}|${endpoint}|${cls}`;
    let a = windows.get(key);
    if (a === undefined) {
      a = {
        w: { t_s, endpoint, tenant_class: cls, offered: 0, sent: 0, dropped: 0, completed: 0, errors: {}, completed_in_window: 0, ok_in_window: 0 },
        h: createHistogram('packed'), lag: createHistogram('packed'), service: createHistogram('packed'),
      };
      windows.set(key, a);
    }
    return a;
  };
  const tenantH = new Map<string, { rec: Omit<TenantRecord, 'latency'>; h: Histogram; windows: Map<number, { requests: number; errors: number; h: Histogram }> }>();
  for (const d of done) {
    const cls = d.r.tenant?.cls ?? 'none';
    const a = acc(Math.floor(d.arrival / 1000), d.r.endpoint, cls);
    a.w.offered++;
    a.w.sent++;
    if (d.finish > endMs + graceMs) continue;
    a.w.completed++;
    if (d.error !== null) a.w.errors[d.error] = (a.w.errors[d.error] ?? 0) + 1;
    recordMs(a.h, d.finish - d.arrival);
    recordMs(a.lag, d.sent - d.arrival);
    recordMs(a.service, d.finish - d.sent);
    const c = acc(Math.floor(d.finish / 1000), d.r.endpoint, cls);
    c.w.completed_in_window++;
    if (d.error === null) c.w.ok_in_window++;
    if (d.r.tenant !== null) {
      const key = `${d.r.tenant.id}|${d.r.endpoint}`;
      let th = tenantH.get(key);
      if (th === undefined) {
        th = { rec: { tenant: d.r.tenant.id, rows: d.r.tenant.rows, tenant_class: cls, endpoint: d.r.endpoint, requests: 0, errors: 0 }, h: createHistogram('packed'), windows: new Map() };
        tenantH.set(key, th);
      }
      th.rec.requests++;
      if (d.error !== null) th.rec.errors++;
      recordMs(th.h, d.finish - d.arrival);
      const wi = Math.floor(d.arrival / 1000 / TENANT_WINDOW_S) * TENANT_WINDOW_S;
      let tw = th.windows.get(wi);
      if (tw === undefined) th.windows.set(wi, (tw = { requests: 0, errors: 0, h: createHistogram('packed') }));
      tw.requests++;
      if (d.error !== null) tw.errors++;
      recordMs(tw.h, d.finish - d.arrival);
    }
  }
  const ws: WindowRecord[] = [...windows.values()].sort((x, y) => x.w.t_s - y.w.t_s).map((a) => ({
    ...a.w, latency: encodeHistogram(a.h), ...(spec.lagMs ? { lag: encodeHistogram(a.lag), service: encodeHistogram(a.service) } : {}),
  }));
  const minReq = spec.tenantMinRequests ?? 1;
  const tenants: TenantRecord[] = [...tenantH.values()].filter((x) => x.rec.requests >= minReq).map((x) => ({
    ...x.rec, latency: encodeHistogram(x.h),
    ...(spec.tenantWindows ? { windows: [...x.windows.entries()].sort((a, b) => a[0] - b[0]).map(([t_s, w]) => ({ t_s, requests: w.requests, errors: w.errors, latency: encodeHistogram(w.h) })) } : {}),
  }));
  const events: EventRecord[] = (spec.events ?? []).map((e) => ({
    t_s: e.t_s, action: e.action, kind: 'http', start_ms: e.t_s * 1000, end_ms: e.t_s * 1000 + 20, ok: true, status: 200, output: '', error: null,
  }));
  const scrapes: ScrapeRecord[] = [];
  if (spec.gauges && spec.slots !== undefined) {
    for (let s = 0.5; s < spec.durationS; s += 1) {
      const ms = s * 1000;
      let inUse = 0;
      let waiting = 0;
      for (const d of done) {
        if (d.arrival <= ms && ms < d.start) waiting++;
        else if (d.start <= ms && ms < d.finish) inUse++;
      }
      scrapes.push({ t_s: s, ok: true, error: null, values: { 'app_pool_in_use{pool="db"}': inUse, 'app_pool_waiting{pool="db"}': waiting, app_pool_size: spec.slots } });
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'prodshape-synth-'));
  written.push(dir);
  const nd = (xs: unknown[]): string => xs.map((x) => JSON.stringify(x)).join('\n') + (xs.length ? '\n' : '');
  writeFileSync(join(dir, RUN_FILES.meta), JSON.stringify(baseMeta({
    endpoints: spec.endpoints.map((e) => e.name), duration_s: spec.durationS, planned_duration_s: spec.durationS, slo: spec.slo ?? [], ...spec.meta,
  })));
  writeFileSync(join(dir, RUN_FILES.windows), nd(ws));
  writeFileSync(join(dir, RUN_FILES.tenants), nd(tenants));
  writeFileSync(join(dir, RUN_FILES.events), nd(events));
  if (scrapes.length > 0) writeFileSync(join(dir, RUN_FILES.metrics), nd(scrapes));
  const scenario = spec.scenarioText ?? (spec.gauges
    ? 'name: synthetic\nendpoints:\n  - { name: x, path: /x }\nobserve:\n  prometheus: /metrics\n  pool: { in_use: app_pool_in_use, waiting: app_pool_waiting, size: app_pool_size }\n'
    : null);
  if (scenario !== null) writeFileSync(join(dir, RUN_FILES.scenario), scenario);
  return dir;
};

/** A linear ramp rate curve. */
export const ramp = (from: number, to: number, durationS: number) => (t: number): number => from + ((to - from) * t) / durationS;

/** A piecewise-constant rate curve: [[untilS, rps], …]. */
export const steps = (parts: [number, number][]) => (t: number): number => (parts.find(([until]) => t < until) ?? parts[parts.length - 1] ?? [0, 0])[1];
