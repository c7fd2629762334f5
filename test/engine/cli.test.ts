/**
 * End to end: the built CLI (`npm run build`, then `node dist/cli/main.js replay …`)
 * against real servers on 127.0.0.1, as a user runs it.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportSchemaErrors } from '../helpers/schema.js';
import { freePort, startServer, type TestServer } from './servers.js';
import { ensureBuilt, runCli } from '../helpers/cli.js';


/** Runs the CLI; `onChild` gets the process (to send signals). */
const run = runCli;

let srv: TestServer;
/** Called on every request the shared server sees (a test's hook, e.g. to signal the CLI once its run is under way). */
let onRequest: (() => void) | null = null;
let dir: string;
const authSeen: string[] = [];

beforeAll(async () => {
  ensureBuilt();
  srv = await startServer((req, res) => {
    onRequest?.();
    if (typeof req.headers.authorization === 'string') authSeen.push(req.headers.authorization);
    res.end(`ok ${req.url ?? ''}`);
  });
  dir = mkdtempSync(join(tmpdir(), 'ps-cli-'));
  writeFileSync(join(dir, 'sizes.csv'), 'tenant_id,orders\nacme,5000\nbeta,700\ngamma,30\ndelta,0\n');
  writeFileSync(join(dir, 'shop.yaml'), [
    'name: shop',
    'tenants: { csv: sizes.csv, id: tenant_id, rows: orders }',
    'endpoints:',
    '  - name: list-orders',
    '    weight: 6',
    '    path: /tenants/{tenant}/orders?status=pending&limit=10',
    '    headers: { Authorization: "Bearer ${SHOP_API_TOKEN}" }',
    '  - { name: dashboard, weight: 3, path: "/tenants/{tenant}/dashboard" }',
    '  - { name: health, weight: 1, path: /health }',
    'actions:',
    '  deploy: { http: POST /admin/deploy }',
    '',
  ].join('\n'));
  writeFileSync(join(dir, 'short.yaml'), 'stages:\n  - { duration: 2s, rate: 100 }\n');
  writeFileSync(join(dir, 'busy.yaml'), 'stages:\n  - { duration: 3s, rate: 20 }\n');
  writeFileSync(join(dir, 'long.yaml'), 'stages:\n  - { duration: 60s, rate: 100 }\n');
  writeFileSync(join(dir, 'bad-event.yaml'), 'stages:\n  - { duration: 2s, rate: 10 }\nevents:\n  - { at: 1s, action: migrate }\n');
  writeFileSync(join(dir, 'optional-event.yaml'), 'stages:\n  - { duration: 2s, rate: 10 }\nevents:\n  - { at: 1s, action: migrate, optional: true }\n  - { at: 1s, action: deploy, optional: true }\n');
}, 120_000);
afterAll(async () => srv?.close());

const SECRET = 'tok_9f8e7d6c5b4a3210';
const env = { SHOP_API_TOKEN: SECRET };

describe('prodshape replay (built CLI)', () => {
  it('runs the shipped spike-3x profile as a new user would, and writes a valid report', async () => {
    const out = join(dir, 'spike');
    const r = await run(['replay', '--scenario', join(dir, 'shop.yaml'), '--profile', 'spike-3x', '--target', srv.url, '--out', out, '--speed', '30', '--rate-scale', '0.5', '--seed', '7'], { env });
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(join(out, 'report.json'));
    // Not a TTY: a plain live line every 5 s, on stderr, with the profile's stage (spike-3x names its three).
    expect(r.stderr).toMatch(/\d+(\.\d)?s\/7s {2}(baseline 1|spike 2|recovery 3)\/3 {2}offered [\d.]+\/s {2}achieved [\d.]+\/s {2}p50 .+ {2}p99 .+ {2}errors \d+ {2}dropped \d+ {2}in flight \d+/);
    for (const f of ['run.json', 'scenario.yaml', 'profile.yaml', 'windows.ndjson', 'tenants.ndjson', 'events.ndjson', 'report.json']) expect(existsSync(join(out, f))).toBe(true);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { summary: { requests: number }; timeline: { offered_rps: number }[]; endpoints: { name: string }[] };
    expect(reportSchemaErrors(report)).toEqual([]);
    expect(report.endpoints.map((e) => e.name).sort()).toEqual(['dashboard', 'health', 'list-orders']);
    // 210 s at --speed 30 is 7 s: 2 s at 50/s, 2 s at 150/s, 3 s at 50/s.
    expect(report.timeline).toHaveLength(7);
    expect(report.summary.requests).toBeGreaterThan(550);
    expect(report.summary.requests).toBeLessThan(850);
    const spike = report.timeline.slice(2, 4).reduce((s, t) => s + t.offered_rps, 0) / 2;
    const base = report.timeline.slice(4).reduce((s, t) => s + t.offered_rps, 0) / 3;
    expect(spike / base).toBeGreaterThan(2);
    const meta = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { speed: number; rate_scale: number; seed: number; interrupted: boolean };
    expect(meta).toMatchObject({ speed: 30, rate_scale: 0.5, seed: 7, interrupted: false });
  });

  it('never writes a secret from ${ENV} anywhere: run directory, request log, output', async () => {
    const out = join(dir, 'secret');
    const reqLog = join(dir, 'secret-requests.ndjson');
    authSeen.length = 0;
    const r = await run(['replay', '--scenario', join(dir, 'shop.yaml'), '--profile', join(dir, 'short.yaml'), '--target', srv.url, '--out', out, '--log-requests', reqLog], { env });
    expect(r.code).toBe(0);
    // The header was sent…
    expect(authSeen.length).toBeGreaterThan(50);
    expect(authSeen.every((a) => a === `Bearer ${SECRET}`)).toBe(true);
    // …and appears in no file and no output.
    for (const f of [...readdirSync(out).map((f) => join(out, f)), reqLog]) expect(readFileSync(f, 'utf8')).not.toContain(SECRET);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    expect(readFileSync(join(out, 'scenario.yaml'), 'utf8')).toContain('${SHOP_API_TOKEN}');
  });

  it('Ctrl-C mid-run stops arrivals, still leaves a complete report.json, and exits 4 (interrupted)', async () => {
    const out = join(dir, 'sigint');
    const started = Date.now();
    const r = await run(['replay', '--scenario', join(dir, 'shop.yaml'), '--profile', join(dir, 'long.yaml'), '--target', srv.url, '--out', out, '--grace', '1s'], {
      env,
      // 3 s into the run (after its first request), whatever the CLI's start-up took on a loaded machine.
      onChild: (child) => {
        onRequest = () => {
          onRequest = null;
          setTimeout(() => child.kill('SIGINT'), 3000);
        };
      },
    });
    onRequest = null;
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/SIGINT: stopping arrivals/);
    const meta = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { interrupted: boolean; interrupt_reason: string; duration_s: number };
    expect(meta.interrupted).toBe(true);
    expect(meta.interrupt_reason).toMatch(/SIGINT/);
    expect(meta.duration_s).toBeLessThan(10);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { summary: { requests: number; interrupted: boolean } };
    expect(reportSchemaErrors(report)).toEqual([]);
    expect(report.summary.requests).toBeGreaterThan(100);
    expect(report.summary.interrupted).toBe(true);
  });

  it('--busy-poll keeps every sending thread running between sends (CPU over the run) and records it in run.json', async () => {
    /** CPU seconds the CLI used (user + system, from /proc, polled until it exits) and its run.json. */
    const cpuOf = async (name: string, extra: string[]): Promise<{ cpuS: number; busyPoll: unknown }> => {
      let cpuS = 0;
      let poll: NodeJS.Timeout | undefined;
      const out = join(dir, name);
      const r = await run(['replay', '--scenario', join(dir, 'shop.yaml'), '--profile', join(dir, 'busy.yaml'), '--target', srv.url, '--out', out, '--workers', '2', '--seed', '3', ...extra], {
        env,
        onChild: (child) => {
          poll = setInterval(() => {
            try {
              const fields = (readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
              cpuS = (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 10 ms
            } catch {
              // exited between two polls: the last reading stands
            }
          }, 50);
        },
      });
      clearInterval(poll);
      expect(r.code, r.stderr).toBe(0);
      return { cpuS, busyPoll: (JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { extra: { busy_poll: unknown } }).extra.busy_poll };
    };
    const idle = await cpuOf('not-busy', []);
    const busy = await cpuOf('busy', ['--busy-poll']);
    expect(idle.busyPoll).toBe(false);
    expect(busy.busyPoll).toBe(true);
    // 20/s for 3 s costs the two worker threads next to nothing; busy-polling, each runs for the whole 3 s
    // (6 CPU-s on free cores). The bound, 1.5 CPU-s more than the same run without the flag, leaves each
    // thread a quarter of a core: what it gets on two cores shared with other test files and a busy process.
    expect(busy.cpuS - idle.cpuS).toBeGreaterThan(1.5);
  });

  it('a machine that freezes the generator (SIGSTOP, 400 ms) is named in run.json, the warning and the report as the cause of the lag', async () => {
    const out = join(dir, 'frozen');
    // The freeze lies between the end of the STOP signal's call and the start of the CONT signal's (at least
    // `innerMs`), and within the start of the first and the end of the second (at most `outerMs`): the test's own
    // thread can be preempted around each call.
    let innerMs = 0;
    let outerMs = 0;
    const r = await run(['replay', '--scenario', join(dir, 'shop.yaml'), '--profile', join(dir, 'short.yaml'), '--target', srv.url, '--out', out], {
      env,
      // 0.7 s into the run (after its first request), the whole process is frozen as a host freezes a VM.
      onChild: (child) => {
        onRequest = () => {
          onRequest = null;
          setTimeout(() => {
            const stopFrom = performance.now();
            child.kill('SIGSTOP');
            const stopped = performance.now();
            setTimeout(() => {
              const contFrom = performance.now();
              child.kill('SIGCONT');
              innerMs = contFrom - stopped;
              outerMs = performance.now() - stopFrom;
            }, 400);
          }, 700);
        };
      },
    });
    onRequest = null;
    expect(r.code, r.stderr).toBe(0);
    expect(innerMs).toBeGreaterThanOrEqual(399);
    const meta = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { lag_ms: { max: number }; generator_limited: boolean; extra: { machine_stalls: { count: number; worst_ms: number; stalls: [number, number][] } } };
    const m = meta.extra.machine_stalls;
    // The watch thread sleeps 5 ms at a time: it sees the freeze less at most those 5 ms (10 allowed). Above it, a
    // margin of 200 ms for a loaded machine (the thread's first time slice after SIGCONT).
    expect(m.worst_ms).toBeGreaterThanOrEqual(innerMs - 10);
    expect(m.worst_ms).toBeLessThan(outerMs + 200);
    const [atS] = m.stalls.find(([, ms]) => ms === m.worst_ms) ?? [NaN];
    expect(atS).toBeGreaterThan(0.3);
    expect(atS).toBeLessThan(2);
    // The sends due during the freeze left when it ended.
    expect(meta.generator_limited).toBe(true);
    expect(meta.lag_ms.max).toBeGreaterThan(innerMs - 50);
    expect(r.stderr).toMatch(/and the machine, not the generator's own work, set it/);
    expect(r.stderr).toMatch(/The machine stalled this process \d+ times? for 20 ms or more/);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { verdict: { notes: string[] } };
    expect(report.verdict.notes.join(' ')).toMatch(/the machine set this lag, not the generator's own work/);
  });

  it('refuses a remote target without --allow-remote (exit 1, with a hint)', async () => {
    const r = await run(['replay', '--scenario', join(dir, 'shop.yaml'), '--profile', join(dir, 'short.yaml'), '--target', 'http://8.8.8.8', '--out', join(dir, 'remote')], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/outside loopback and private networks/);
    expect(r.stderr).toMatch(/--allow-remote/);
  });

  it('exits 3 when the target is unreachable at start, 1 for an event with no action, and skips one marked optional', async () => {
    const port = await freePort();
    const r = await run(['replay', '--scenario', join(dir, 'shop.yaml'), '--profile', join(dir, 'short.yaml'), '--target', `http://127.0.0.1:${port}`, '--out', join(dir, 'down')], { env });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/unreachable \(ECONNREFUSED\)/);
    const bad = await run(['replay', '--scenario', join(dir, 'shop.yaml'), '--profile', join(dir, 'bad-event.yaml'), '--target', srv.url, '--out', join(dir, 'bad')], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/events\[0\]\.action: no action named "migrate"/);
    // Marked optional, the same event is skipped with a note; an optional event the scenario has an action for fires.
    const optional = await run(['replay', '--scenario', join(dir, 'shop.yaml'), '--profile', join(dir, 'optional-event.yaml'), '--target', srv.url, '--out', join(dir, 'optional')], { env });
    expect(optional.code, optional.stderr).toBe(0);
    expect(optional.stderr).toMatch(/event migrate at 1s skipped: optional, and the scenario defines no migrate action/);
    expect(readFileSync(join(dir, 'optional', 'events.ndjson'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { action: string }).action)).toEqual(['deploy']);
    const noTarget = await run(['replay', '--scenario', join(dir, 'shop.yaml'), '--profile', 'steady'], { env });
    expect(noTarget.code).toBe(1);
    expect(noTarget.stderr).toMatch(/--target/);
  });
});
