/**
 * Helpers for the demo service's tests: the dataset cache they share
 * (test/tmp, so a second run does not generate again), a small Prometheus
 * text reader, timing, and EXPLAIN summaries.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll } from 'vitest';
import { acquireExclusive } from '../helpers/exclusive.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import type { DemoDb } from '../../src/demo/db.js';
import type { Manifest, ManifestTenant } from '../../src/data/manifest.js';
import { PENDING_ORDERS_PLAN } from '../../src/demo/sql.js';
import type { ErrorClass } from '../../src/run/format.js';

/** Dataset and PGlite cache shared by the demo tests. */
export const TEST_CACHE_DIR = join(PACKAGE_ROOT, 'test', 'tmp', 'demo-cache');

/** The dataset scale the service tests use: the biggest tenant has ~20,000 orders. */
export const TEST_SCALE = 2;

/**
 * The lock (test/helpers/exclusive.ts) the demo's service files of the
 * `planted` group take for their whole run: each loads a dataset and times
 * the demo's queries (CPU-bound), so they run one after another, beside the
 * sleep-bound planted-capacity files, never beside each other. One waits at
 * most SERVICE_LOCK_WAIT_MS for the others (about 45 s in all, quiet).
 */
export const SERVICE_LOCK = 'demo-service';
const SERVICE_LOCK_WAIT_MS = 300_000;

/**
 * A service file's beforeAll and afterAll: `start` runs once the file holds
 * SERVICE_LOCK, and the lock is released after `stop`, even when `stop` fails.
 */
export const underServiceLock = (start: () => Promise<void>, stop: () => Promise<void>): void => {
  let release: (() => void) | undefined;
  beforeAll(async () => {
    release = await acquireExclusive(SERVICE_LOCK, SERVICE_LOCK_WAIT_MS);
    await start();
  }, SERVICE_LOCK_WAIT_MS + 120_000);
  afterAll(async () => {
    try {
      await stop();
    } finally {
      release?.();
    }
  });
};

/** `name{a="b"} 1.5` lines of a Prometheus text exposition, keyed by `name{labels}` as written. */
export const parseMetrics = (text: string): Map<string, number> => {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+?(?:\{[^}]*\})?)\s+(\S+)$/.exec(line);
    if (m) out.set(m[1] ?? '', Number(m[2]));
  }
  return out;
};

export const metricsOf = async (url: string): Promise<Map<string, number>> => parseMetrics(await (await fetch(`${url}/metrics`)).text());

/** Tenants by rows, biggest first. */
export const bySize = (m: Manifest): ManifestTenant[] => [...m.tenants].sort((a, b) => b.rows - a.rows || Number(a.id) - Number(b.id));

/** The median tenant (by rows) among those with orders. */
export const medianTenant = (m: Manifest): ManifestTenant => {
  const withRows = bySize(m).filter((t) => t.rows > 0);
  return withRows[Math.floor(withRows.length / 2)]!;
};

/**
 * Best (minimum) wall time of `n` sequential GETs of `url` after one warm-up,
 * ms: on a machine shared with other work the minimum is the stable estimate
 * of what a request costs.
 */
export const bestGetMs = async (url: string, n = 7): Promise<number> => {
  await (await fetch(url)).text();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await fetch(url);
    await r.text();
    if (r.status !== 200) throw new Error(`GET ${url}: ${r.status}`);
    times.push(performance.now() - t0);
  }
  return Math.min(...times);
};

interface PlanNode { 'Node Type': string; 'Index Name'?: string; 'Rows Removed by Filter'?: number; Plans?: PlanNode[] }

const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

/** The pending-orders plan for a tenant: its node types, indexes used, and (with analyze) rows removed by filters. */
export const explainPending = async (db: DemoDb, tenant: string, analyze = false): Promise<{ shape: string; indexes: string[]; removed: number }> => {
  const rows = await db.withConnection((c) => c.query(`EXPLAIN (${analyze ? 'ANALYZE, ' : ''}FORMAT JSON) ${PENDING_ORDERS_PLAN}`, [Number(tenant)]));
  const raw = rows[0]?.['QUERY PLAN'];
  const plan = ((typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode }[])[0]!.Plan;
  const all = nodes(plan);
  const shape = (n: PlanNode): string => n['Node Type'] + (n['Index Name'] ? `[${n['Index Name']}]` : '') + (n.Plans ? `(${n.Plans.map(shape).join(',')})` : '');
  return {
    shape: shape(plan),
    indexes: [...new Set(all.flatMap((n) => (n['Index Name'] ? [n['Index Name']] : [])))],
    removed: all.reduce((s, n) => s + (n['Rows Removed by Filter'] ?? 0), 0),
  };
};

export const post = async (url: string): Promise<{ status: number; body: Record<string, unknown> }> => {
  const r = await fetch(url, { method: 'POST' });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};

/** What a run of the built CLI left: exit code, output, the report and the run directory. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  runDir: string;
  report: {
    profile: string;
    summary: { requests: number; errors: number };
    events: { t_s: number; action: string; ok: boolean }[];
    timeline: { t_s: number; offered_rps: number; achieved_rps: number; p99_ms: number | null; errors: number }[];
    database?: { statements: { available: boolean; top_by_total: { query: string }[] }; plans: { query: string; ok: boolean; tenant_rows: number | null }[] } | null;
    breaks: { kind: string; endpoint: string | null; t_s: number | null; offered_rps: number | null; summary: string; evidence: Record<string, unknown> }[];
  };
  meta: { speed: number; rate_scale: number; target: string; extra: { totals: { errors: Partial<Record<ErrorClass, number>> } } };
}

/**
 * Runs `prodshape replay --profile P [args]` with no --target (the first-run
 * path: the demo started as a child) through the built CLI; the run directory
 * is the path on the output's "run directory:" line.
 */
export const runFirstCommand = async (cli: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<CliRun> => {
  const child = spawn(process.execPath, [cli, 'replay', ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  const runDir = /^run directory: (.+)$/m.exec(stdout)?.[1] ?? '';
  if (runDir === '') throw new Error(`no run directory in the output (exit ${code}):\n${stdout}\n${stderr}`);
  return {
    code, stdout, stderr, runDir,
    report: JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')) as CliRun['report'],
    meta: JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as CliRun['meta'],
  };
};
