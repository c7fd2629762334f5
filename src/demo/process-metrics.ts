/**
 * The Node.js process metrics the demo's /metrics carries next to its own:
 * the names, labels and units of the usual Node.js Prometheus client defaults
 * (prom-client's), so dashboards and prodshape's default series
 * (`process_cpu_seconds_total`, `process_resident_memory_bytes`,
 * `process_open_fds`, `nodejs_eventloop_lag_p99_seconds`,
 * `nodejs_heap_size_used_bytes`) read the same. Memory and file descriptors
 * come from /proc on Linux (memory from process.memoryUsage() elsewhere, fds
 * left out). Event-loop percentiles are over the time since the previous
 * scrape (10 ms resolution); `nodejs_eventloop_lag_seconds` is the wait for a
 * setImmediate at scrape time.
 */
import { readdir, readFile } from 'node:fs/promises';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import type { ExpositionSample, MetricFamily, MetricType } from '../core/prom-text.js';
import { histogram } from './instruments.js';

const GC_BUCKETS_S = [0.001, 0.01, 0.1, 1, 2, 5];
const GC_KINDS: Record<number, string> = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };
const NS_PER_S = 1e9;

const fam = (name: string, help: string, type: MetricType, samples: ExpositionSample[]): MetricFamily => ({ name, help, type, samples });
const one = (value: number, labels: Record<string, string> = {}): ExpositionSample[] => [{ labels, value }];

/** A number of bytes from a /proc/self/status line like `VmRSS:  1234 kB`, or null. */
const statusBytes = (status: string, key: string): number | null => {
  const m = new RegExp(`^${key}:\\s*(\\d+)\\s*kB`, 'm').exec(status);
  return m?.[1] === undefined ? null : Number(m[1]) * 1024;
};

const readOrNull = (path: string): Promise<string | null> => readFile(path, 'utf8').catch(() => null);

/** Memory and file-descriptor families from /proc/self (Linux); resident memory only elsewhere. */
const procFamilies = async (): Promise<MetricFamily[]> => {
  const status = await readOrNull('/proc/self/status');
  const rss = (status === null ? null : statusBytes(status, 'VmRSS')) ?? process.memoryUsage().rss;
  const out = [fam('process_resident_memory_bytes', 'Resident memory size in bytes.', 'gauge', one(rss))];
  if (status === null) return out;
  const vm = statusBytes(status, 'VmSize');
  const data = statusBytes(status, 'VmData');
  if (vm !== null) out.push(fam('process_virtual_memory_bytes', 'Virtual memory size in bytes.', 'gauge', one(vm)));
  if (data !== null) out.push(fam('process_heap_bytes', 'Process heap size in bytes.', 'gauge', one(data)));
  const fds = await readdir('/proc/self/fd').catch(() => null);
  // readdir holds one descriptor of its own while it lists the directory.
  if (fds !== null) out.push(fam('process_open_fds', 'Number of open file descriptors.', 'gauge', one(fds.length - 1)));
  const limit = /^Max open files\s+(\d+)/m.exec((await readOrNull('/proc/self/limits')) ?? '')?.[1];
  if (limit !== undefined) out.push(fam('process_max_fds', 'Maximum number of open file descriptors.', 'gauge', one(Number(limit))));
  return out;
};

/** Counts per type name, in first-seen order. */
const countByType = (types: string[]): ExpositionSample[] => {
  const n = new Map<string, number>();
  for (const t of types) n.set(t, (n.get(t) ?? 0) + 1);
  return [...n].map(([type, value]) => ({ labels: { type }, value }));
};

/** Active handles and requests (Node's undocumented but long-standing `_getActiveHandles`/`_getActiveRequests`). */
const activeFamilies = (): MetricFamily[] => {
  const p = process as unknown as { _getActiveHandles?: () => object[]; _getActiveRequests?: () => object[] };
  const typeNames = (xs: object[]): string[] => xs.map((x) => x.constructor.name);
  const resources = process.getActiveResourcesInfo();
  const out = [
    fam('nodejs_active_resources', 'Active resources keeping the event loop alive, by async resource type.', 'gauge', countByType(resources)),
    fam('nodejs_active_resources_total', 'Total active resources.', 'gauge', one(resources.length)),
  ];
  for (const [what, list] of [['handles', p._getActiveHandles?.()], ['requests', p._getActiveRequests?.()]] as const) {
    if (list === undefined) continue;
    out.push(fam(`nodejs_active_${what}`, `Active libuv ${what}, by type.`, 'gauge', countByType(typeNames(list))));
    out.push(fam(`nodejs_active_${what}_total`, `Total active ${what}.`, 'gauge', one(list.length)));
  }
  return out;
};

const heapFamilies = (): MetricFamily[] => {
  const mem = process.memoryUsage();
  const spaces = getHeapSpaceStatistics().map((s) => ({ ...s, space: s.space_name.replace(/_space$/, '') }));
  const perSpace = (what: string, pick: (s: (typeof spaces)[number]) => number): MetricFamily =>
    fam(`nodejs_heap_space_size_${what}_bytes`, `Heap space size ${what}, bytes.`, 'gauge', spaces.map((s) => ({ labels: { space: s.space }, value: pick(s) })));
  return [
    fam('nodejs_heap_size_total_bytes', 'V8 heap size, bytes.', 'gauge', one(mem.heapTotal)),
    fam('nodejs_heap_size_used_bytes', 'V8 heap used, bytes.', 'gauge', one(mem.heapUsed)),
    fam('nodejs_external_memory_bytes', 'Memory of C++ objects bound to JavaScript, bytes.', 'gauge', one(mem.external)),
    perSpace('total', (s) => s.space_size), perSpace('used', (s) => s.space_used_size), perSpace('available', (s) => s.space_available_size),
  ];
};

const lagAtScrapeS = async (): Promise<number> => {
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setImmediate(r));
  return Number(process.hrtime.bigint() - t0) / NS_PER_S;
};

/** The process families; `families()` reads them now and restarts the event-loop percentiles. */
export const createProcessMetrics = (): { families(): Promise<MetricFamily[]> } => {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const gc = histogram('nodejs_gc_duration_seconds', 'Garbage collection duration by kind, seconds.', GC_BUCKETS_S);
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = GC_KINDS[(e as { detail?: { kind?: number } }).detail?.kind ?? 0];
      if (kind !== undefined) gc.observe({ kind }, e.duration / 1000);
    }
  }).observe({ entryTypes: ['gc'] });
  const [major = '', minor = '', patch = ''] = process.versions.node.split('.');
  return {
    families: async () => {
      const lagS = await lagAtScrapeS();
      const cpu = process.cpuUsage();
      const lag = (what: string, ns: number): MetricFamily =>
        fam(`nodejs_eventloop_lag_${what}_seconds`, `The ${what} of the event-loop delays since the previous scrape, seconds.`, 'gauge', one(ns / NS_PER_S));
      const out = [
        fam('process_cpu_user_seconds_total', 'User CPU time spent, seconds.', 'counter', one(cpu.user / 1e6)),
        fam('process_cpu_system_seconds_total', 'System CPU time spent, seconds.', 'counter', one(cpu.system / 1e6)),
        fam('process_cpu_seconds_total', 'User and system CPU time spent, seconds.', 'counter', one((cpu.user + cpu.system) / 1e6)),
        fam('process_start_time_seconds', 'Start time of the process since the Unix epoch, seconds.', 'gauge', one(Math.round(Date.now() / 1000 - process.uptime()))),
        ...(await procFamilies()),
        fam('nodejs_eventloop_lag_seconds', 'Event-loop lag at the scrape (wait for a setImmediate), seconds.', 'gauge', one(lagS)),
        lag('min', loop.min), lag('max', loop.max), lag('mean', loop.mean), lag('stddev', loop.stddev),
        lag('p50', loop.percentile(50)), lag('p90', loop.percentile(90)), lag('p99', loop.percentile(99)),
        ...activeFamilies(), ...heapFamilies(),
        fam('nodejs_version_info', 'Node.js version.', 'gauge', one(1, { version: process.version, major, minor, patch })),
        gc.family(),
      ];
      loop.reset();
      return out;
    },
  };
};
