/**
 * A stop is a verdict too: the built CLI against real servers on 127.0.0.1.
 * Requests given up at a stop are counted (error class `aborted`), an
 * interrupted run exits 4 (Ctrl-C, SIGTERM, a target that stopped answering),
 * SLOs, observer URLs and actions are checked before anything is sent, and
 * `report DIR --slo` replaces run.json's SLOs.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_FILES, type WindowRecord } from '../../src/run/format.js';
import { ensureBuilt, runCli, type CliRun } from '../helpers/cli.js';
import { writeRunDir, window } from '../helpers/rundir.js';
import { reportSchemaErrors } from '../helpers/schema.js';
import { startServer, type TestServer } from './servers.js';

/** Runs the CLI; `onChild` gets the process (to signal it). Bounded: killed after 60 s. */
const run = (args: string[], onChild?: (child: ChildProcess) => void): Promise<CliRun> =>
  runCli(args, { timeoutMs: 60_000, ...(onChild ? { onChild } : {}) });

interface Summary {
  requests: number; completed: number; errors: number; dropped: number; aborted: number; duration_s: number;
  p99_ms: number; interrupted: boolean; interrupt_reason: string | null;
}
interface ReportJson { summary: Summary; slo: { spec: string; pass: boolean; actual: number | null }[]; verdict: { status: string; text: string } }
const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const readWindows = (dir: string): WindowRecord[] =>
  readFileSync(join(dir, RUN_FILES.windows), 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as WindowRecord);

let dir: string;
const servers: TestServer[] = [];
const held: ServerResponse[] = [];

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'ps-stop-'));
  writeFileSync(join(dir, 'one.yaml'), 'name: one\nendpoints:\n  - { name: get, path: /x }\n');
  // Constant arrivals: the count due by any time is known (the k-th at (k + 0.5) / rate).
  writeFileSync(join(dir, 'long.yaml'), 'arrival: constant\nstages:\n  - { duration: 60s, rate: 200 }\n');
  writeFileSync(join(dir, 'twelve.yaml'), 'arrival: constant\nstages:\n  - { duration: 12s, rate: 50 }\n');
  writeFileSync(join(dir, 'seven.yaml'), 'arrival: constant\nstages:\n  - { duration: 7s, rate: 50 }\n');
}, 120_000);

afterAll(async () => {
  for (const r of held) r.destroy();
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Sends `name` to the CLI `afterMs` after the target saw its first request (the run's time zero, give
 * or take a few ms), whatever the CLI's start-up took on a loaded machine. Call `seen()` in the handler.
 */
const signalAfterFirstRequest = (name: NodeJS.Signals, afterMs: number): { onChild: (c: ChildProcess) => void; seen: () => void } => {
  let child: ChildProcess | null = null;
  let armed = false;
  return {
    onChild: (c) => (child = c),
    seen: () => {
      if (armed) return;
      armed = true;
      setTimeout(() => child?.kill(name), afterMs);
    },
  };
};

const serve = async (handle?: Parameters<typeof startServer>[0]): Promise<TestServer & { connections: () => number }> => {
  const s = await startServer(handle);
  let connections = 0;
  s.server.on('connection', () => connections++);
  servers.push(s);
  return { ...s, connections: () => connections };
};

describe('a stop is a verdict', () => {
  it('Ctrl-C against a target that never answers 20% of requests: the abandoned requests are aborted outcomes, errors<1% fails, exit 4', async () => {
    let n = 0;
    const sig = signalAfterFirstRequest('SIGINT', 4000);
    const srv = await serve((_req, res) => {
      sig.seen();
      // Every 5th request is never answered (held until the test ends).
      if (++n % 5 === 0) held.push(res);
      else res.end('ok');
    });
    const out = join(dir, 'stalled');
    // Enough connections that the held requests do not starve the others of sockets.
    const r = await run([
      'replay', '--scenario', join(dir, 'one.yaml'), '--profile', join(dir, 'long.yaml'), '--target', srv.url, '--out', out,
      '--grace', '1s', '--timeout', '30s', '--connections', '500', '--slo', 'errors<1%', '--slo', 'p99<100ms',
    ], sig.onChild);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/SIGINT: stopping arrivals/);
    expect(r.stderr).toMatch(/\d+ requests were still waiting at the stop: counted as failed \(error class aborted\)/);

    const report = readJson<ReportJson>(join(out, RUN_FILES.report));
    expect(reportSchemaErrors(report)).toEqual([]);
    const s = report.summary;
    expect(s.interrupted).toBe(true);
    expect(s.interrupt_reason).toMatch(/SIGINT/);
    // Every request sent has an outcome: answered, failed or aborted at the stop.
    expect(s.completed).toBe(s.requests);
    expect(s.aborted).toBeGreaterThan(0);
    // About a fifth of what was sent was never answered: 20% held by the server, ±5 points for the
    // requests still on their way to it at the stop.
    expect(s.aborted / s.requests).toBeGreaterThan(0.15);
    expect(s.aborted / s.requests).toBeLessThan(0.25);
    expect(s.errors).toBeGreaterThanOrEqual(s.aborted);
    // Every arrival due before the stop is there, sent or dropped: 200/s constant up to the stop
    // (the k-th at (k + 0.5) / 200 s), ±2 for the rounding of duration_s to the millisecond.
    const ws = readWindows(out);
    const offered = ws.reduce((a, w) => a + w.offered, 0);
    expect(offered).toBe(s.requests + s.dropped);
    expect(Math.abs(offered - 200 * s.duration_s)).toBeLessThanOrEqual(2);
    expect(ws.reduce((a, w) => a + (w.errors.aborted ?? 0), 0)).toBe(s.aborted);
    // The aborted requests waited at least the grace period (1 s) from their intended time: p99 (a
    // fifth of the requests are aborted) shows that wait, and no more than the run plus the grace
    // (500 ms margin for the exit).
    expect(s.p99_ms).toBeGreaterThanOrEqual(1000);
    expect(s.p99_ms).toBeLessThanOrEqual((s.duration_s + 1) * 1000 + 500);
    const errorsSlo = report.slo.find((x) => x.spec === 'errors<1%');
    expect(errorsSlo).toMatchObject({ pass: false });
    expect(errorsSlo?.actual).toBeGreaterThan(0.15);
    expect(report.slo.find((x) => x.spec === 'p99<100ms')).toMatchObject({ pass: false });
    expect(report.verdict.status).toBe('fail');
    expect(report.verdict.text).toMatch(/stopped before its planned end \(SIGINT received\), \d+ requests aborted at the stop/);
    expect(r.stdout).toMatch(/\(\d[\d,]* aborted at the stop\)/);
    expect(readFileSync(join(out, RUN_FILES.html), 'utf8')).toMatch(/aborted at the stop/);

    // Re-analysing a stopped run is no pass either; --slo replaces run.json's SLOs and still fails.
    const again = await run(['report', out]);
    expect(again.code).toBe(4);
    const errorsOnly = await run(['report', out, '--slo', 'errors<1%', '--json', '--no-html']);
    expect(errorsOnly.code).toBe(4);
    const rep = JSON.parse(errorsOnly.stdout) as ReportJson;
    expect(rep.slo.map((x) => [x.spec, x.pass])).toEqual([['errors<1%', false]]);
  });

  it('SIGTERM stops the run: exit 4 even with nothing left waiting', async () => {
    const sig = signalAfterFirstRequest('SIGTERM', 2000);
    const srv = await serve((_req, res) => {
      sig.seen();
      res.end('ok');
    });
    const out = join(dir, 'sigterm');
    const r = await run(['replay', '--scenario', join(dir, 'one.yaml'), '--profile', join(dir, 'long.yaml'), '--target', srv.url, '--out', out, '--grace', '1s'], sig.onChild);
    expect(r.code, r.stderr).toBe(4);
    const s = readJson<ReportJson>(join(out, RUN_FILES.report)).summary;
    expect(s).toMatchObject({ interrupted: true, aborted: 0, errors: 0 });
    expect(s.interrupt_reason).toMatch(/SIGTERM/);
    expect(s.requests).toBeGreaterThan(100);
  });

  it('a target that dies mid-run stops the run with "the target stopped answering", exit 4; one answering 503 is not dead', async () => {
    let first = true;
    const srv = await serve((_req, res) => {
      // The server goes away 2 s after the first request: open connections are closed, new ones refused.
      if (first) setTimeout(() => void srv.close(), 2000);
      first = false;
      res.end('ok');
    });
    const out = join(dir, 'dead');
    const started = Date.now();
    const r = await run(['replay', '--scenario', join(dir, 'one.yaml'), '--profile', join(dir, 'twelve.yaml'), '--target', srv.url, '--out', out, '--grace', '1s']);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/run interrupted \(the target stopped answering/);
    const report = readJson<ReportJson>(join(out, RUN_FILES.report));
    expect(report.summary.interrupt_reason).toMatch(/^the target stopped answering \(only connection errors, no response, for 5 s\)/);
    expect(report.verdict.text).toMatch(/the target stopped answering/);
    // Dead at ~2 s, detected 5 s later: the 12 s run ends early (3 s margin for start-up and the grace).
    expect(report.summary.duration_s).toBeLessThan(10);
    expect(Date.now() - started).toBeLessThan(15_000);

    const failing = await serve((_req, res) => {
      res.statusCode = 503;
      res.end('down for maintenance');
    });
    const out503 = join(dir, 'errors-503');
    const e = await run(['replay', '--scenario', join(dir, 'one.yaml'), '--profile', join(dir, 'seven.yaml'), '--target', failing.url, '--out', out503]);
    expect(e.code, e.stderr).toBe(0);
    const s = readJson<ReportJson>(join(out503, RUN_FILES.report)).summary;
    expect(s.interrupted).toBe(false);
    expect(s.errors).toBe(s.requests);
  }, 60_000);

  it('bad SLOs, observer URLs and action paths are refused before anything reaches the target (exit 1, all at once)', async () => {
    const srv = await serve();
    writeFileSync(join(dir, 'bad.yaml'), [
      'name: bad',
      'endpoints:',
      '  - { name: get, path: /x }',
      'actions:',
      '  deploy: { http: POST admin/deploy }',
      'observe:',
      '  prometheus: ftp://127.0.0.1/metrics',
      'slo:',
      '  - "p99<<3"',
      '',
    ].join('\n'));
    const scenario = await run(['replay', '--scenario', join(dir, 'bad.yaml'), '--profile', join(dir, 'seven.yaml'), '--target', srv.url, '--out', join(dir, 'bad-scenario')]);
    expect(scenario.code).toBe(1);
    expect(scenario.stderr).toMatch(/bad\.yaml:9: slo\[0\]: "p99<<3": expected \[endpoint:\]metric<threshold/);

    // With valid SLOs, the rest of the scenario's problems are found before the target check.
    writeFileSync(join(dir, 'bad2.yaml'), readFileSync(join(dir, 'bad.yaml'), 'utf8').replace('"p99<<3"', '"nope:p99<1s"').replace('POST admin/deploy', '"POST /admin/${DEPLOY_STAGE}"'));
    const rest = await run(['replay', '--scenario', join(dir, 'bad2.yaml'), '--profile', join(dir, 'seven.yaml'), '--target', srv.url, '--out', join(dir, 'bad-rest')]);
    expect(rest.code).toBe(1);
    expect(rest.stderr).toMatch(/bad2\.yaml:9: slo\[0\]: "nope:p99<1s": the run has no endpoint "nope"/);
    expect(rest.stderr).toMatch(/bad2\.yaml:7: observe\.prometheus: expected a path on the target such as \/metrics/);
    expect(rest.stderr).toMatch(/bad2\.yaml:5: actions\.deploy\.http: environment variable DEPLOY_STAGE is not set/);
    expect(rest.stderr).toMatch(/hint: nothing was sent to the target/);

    const flags = await run(['replay', '--scenario', join(dir, 'one.yaml'), '--profile', join(dir, 'seven.yaml'), '--target', srv.url, '--out', join(dir, 'bad-flags'),
      '--slo', 'p99<abc', '--slo', 'p99<1s', '--pg', 'localhost:5432']);
    expect(flags.code).toBe(1);
    expect(flags.stderr).toMatch(/--slo: "p99<abc": expected \[endpoint:\]metric<threshold/);
    expect(flags.stderr).toMatch(/--pg: expected a PostgreSQL URL/);

    // Nothing reached the target: no request, not even the reachability check's connection.
    expect([...srv.counts.values()].reduce((a, b) => a + b, 0)).toBe(0);
    expect(srv.connections()).toBe(0);
  });

  it('report DIR --slo replaces a bad spec held in run.json', async () => {
    const run0 = writeRunDir({ meta: { slo: ['p99<<3'] }, windows: [0, 1, 2].map((t) => window(t, 'get', [5, 6, 7, 8])) });
    const bad = await run(['report', run0, '--no-html']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/run\.json: slo\[0\]: "p99<<3"/);
    const fixed = await run(['report', run0, '--slo', 'p99<1s', '--json', '--no-html']);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect((JSON.parse(fixed.stdout) as ReportJson).slo.map((x) => [x.spec, x.pass])).toEqual([['p99<1s', true]]);
    rmSync(run0, { recursive: true, force: true });
  });
});
