/**
 * Real runs for the detector tests: the replay engine (src/engine, `runReplay`)
 * sends open-model traffic to a planted server (servers.ts, its own process)
 * and the test reads what the report stage wrote and printed. The planted
 * problems used by the real-*.test.ts files are defined here. Until the engine
 * is in the tree, `hasEngine` is false and those tests skip.
 *
 * These runs measure real time on a shared 2-core machine: a starved machine
 * can saturate for real (the target's process gets no CPU), so each test is
 * retried once; the thresholds themselves are not loosened.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { BreakKind, Report, ReportBreak } from '../../src/analyze/index.js';
import { breaksOfKind } from '../../src/analyze/breaks.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { reportSchemaErrors } from '../helpers/schema.js';
import { startPlantedServer, zipfSizes, type PlantedOptions } from './servers.js';

/** The part of the engine's API these tests use (src/app/index.ts, `runReplay`). */
interface Engine {
  runReplay(opts: { scenario: string; profile: string; target: string; outDir: string; seed: number; connections: number; print: (t: string) => void }): Promise<unknown>;
}
const ENGINE = join(PACKAGE_ROOT, 'src', 'app', 'index.ts');
export const hasEngine = existsSync(ENGINE);
const engineModule = '../../src/app/index.js';

let work: string | null = null;

/** Removes the run directories (call from afterAll). */
export const removeRealRuns = (): void => {
  if (work !== null) rmSync(work, { recursive: true, force: true });
  work = null;
};

const tenants = zipfSizes(40, 100_000);
const rowsOf = new Map(tenants.map((t) => [t.id, t.rows]));
const cacheKeys = tenants.flatMap((t) => [`/tenants/${t.id}/orders`, `/tenants/${t.id}/dashboard`]);

/** The planted server's pool gauges for `observe` (scraped from its /metrics). */
export const POOL_GAUGES = `observe:
  prometheus: /metrics
  pool: { in_use: app_db_pool_in_use, waiting: app_db_pool_waiting, size: app_db_pool_size }
`;

const scenarioYaml = (slo: string[], extra: string): string => `name: planted
tenants: { csv: tenants.csv, id: tenant_id, rows: orders }
endpoints:
  - { name: list-orders, weight: 6, path: "/tenants/{tenant}/orders" }
  - { name: dashboard, weight: 3, path: "/tenants/{tenant}/dashboard" }
actions:
  deploy: { http: POST /admin/deploy }
slo: [${slo.map((s) => JSON.stringify(s)).join(', ')}]
${extra}`;

export interface Replayed { report: Report; text: string; html: string }

/** Starts the server, replays `profileYaml` against it, returns what the report stage wrote and printed. */
export const replay = async (name: string, server: PlantedOptions, profileYaml: string, slo: string[] = [], scenarioExtra = ''): Promise<Replayed> => {
  const engine = (await import(engineModule)) as Engine;
  work ??= mkdtempSync(join(tmpdir(), 'prodshape-real-'));
  // A directory of its own per attempt: a retried test must not meet the first attempt's run.
  const attempt = mkdtempSync(join(work, `${name}-`));
  const dir = join(attempt, 'run');
  const inputs = join(attempt, 'in');
  mkdirSync(inputs, { recursive: true });
  writeFileSync(join(inputs, 'scenario.yaml'), scenarioYaml(slo, scenarioExtra));
  writeFileSync(join(inputs, 'tenants.csv'), `tenant_id,orders\n${tenants.map((t) => `${t.id},${t.rows}`).join('\n')}\n`);
  writeFileSync(join(inputs, 'profile.yaml'), profileYaml);
  const srv = await startPlantedServer(server);
  let text = '';
  try {
    await engine.runReplay({
      scenario: join(inputs, 'scenario.yaml'), profile: join(inputs, 'profile.yaml'), target: srv.url, outDir: dir,
      seed: 7, connections: 64, print: (t) => { text += t; },
    });
  } finally {
    await srv.close();
  }
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
  expect(reportSchemaErrors(report)).toEqual([]);
  return { report, text, html: readFileSync(join(dir, 'report.html'), 'utf8') };
};

export const kinds = (r: Report): string[] => r.breaks.map((b) => b.kind).sort();
export const one = <K extends BreakKind>(r: Report, kind: K): Extract<ReportBreak, { kind: K }> => {
  const bs = breaksOfKind(r.breaks, kind);
  expect(bs, JSON.stringify(r.breaks.map((b) => b.summary))).toHaveLength(1);
  return bs[0]!;
};

/** 10 slots × 50 ms: throughput saturates at 200 rps. */
export const POOL = { slots: 10, serviceMs: 50 };
/** dashboard costs 4 ms per 1,000 rows: t001 (100k rows) +400 ms, the median tenant +~10 ms. */
export const SKEW = { path: /\/dashboard/, msPerKRow: 4, rows: rowsOf };
/** 80 cache entries (tenant × endpoint), refilled one at a time in 100 ms each after a deploy: ~8 s cold. */
export const CACHE = { missMs: 100, keys: cacheKeys, loaders: 1 };
