/**
 * Builds synthetic run directories for analysis tests: windows with latencies
 * drawn from known distributions, written in the run-directory format.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHistogram, encodeHistogram, recordMs } from '../../src/run/histogram.js';
import { RUN_FILES, type EventRecord, type RunMeta, type TenantClass, type TenantRecord, type WindowRecord } from '../../src/run/format.js';

export const baseMeta = (over: Partial<RunMeta> = {}): RunMeta => ({
  format: 1, tool: { name: 'prodshape', version: 'test' }, target: 'http://127.0.0.1:1', scenario: 'synthetic', profile: 'synthetic',
  started_at_ms: 0, planned_duration_s: 10, duration_s: 10, seed: 1, speed: 1, rate_scale: 1, arrival: 'poisson',
  endpoints: [], slo: [], workers: 1, connections: 10, max_inflight: null, interrupted: false, interrupt_reason: null,
  lag_ms: { p50: 0.1, p99: 0.5, max: 1 }, ...over,
});

/** A window whose requests all took the given latencies (ms); counts follow from them. */
export const window = (
  t_s: number, endpoint: string, latenciesMs: number[],
  extra: Partial<Omit<WindowRecord, 'latency'>> & { tenant_class?: TenantClass } = {},
): WindowRecord => {
  const h = createHistogram();
  for (const ms of latenciesMs) recordMs(h, ms);
  const errors = Object.values(extra.errors ?? {}).reduce<number>((s, n) => s + (n ?? 0), 0);
  return {
    t_s, endpoint, tenant_class: 'rest',
    offered: latenciesMs.length, sent: latenciesMs.length, dropped: 0, completed: latenciesMs.length, errors: {},
    completed_in_window: latenciesMs.length, ok_in_window: latenciesMs.length - errors,
    ...extra, latency: encodeHistogram(h),
  };
};

export const tenantRecord = (tenant: string, rows: number, endpoint: string, latenciesMs: number[], tenant_class: TenantClass = 'rest'): TenantRecord => {
  const h = createHistogram('packed');
  for (const ms of latenciesMs) recordMs(h, ms);
  return { tenant, rows, tenant_class, endpoint, requests: latenciesMs.length, errors: 0, latency: encodeHistogram(h) };
};

/** Writes a run directory and returns its path. */
export const writeRunDir = (parts: { meta?: Partial<RunMeta>; windows: WindowRecord[]; tenants?: TenantRecord[]; events?: EventRecord[] }): string => {
  const dir = mkdtempSync(join(tmpdir(), 'prodshape-run-'));
  const endpoints = [...new Set(parts.windows.map((w) => w.endpoint))];
  writeFileSync(join(dir, RUN_FILES.meta), JSON.stringify(baseMeta({ endpoints, ...parts.meta })));
  const nd = (xs: unknown[]): string => xs.map((x) => JSON.stringify(x)).join('\n') + (xs.length ? '\n' : '');
  writeFileSync(join(dir, RUN_FILES.windows), nd(parts.windows));
  writeFileSync(join(dir, RUN_FILES.tenants), nd(parts.tenants ?? []));
  writeFileSync(join(dir, RUN_FILES.events), nd(parts.events ?? []));
  return dir;
};
