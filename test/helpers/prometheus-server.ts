/**
 * A real Prometheus server for tests (Debian's `prometheus` package, 2.42):
 * started on a free loopback port with its own TSDB in a temp dir and the
 * remote-write receiver on, scraping the given targets every second.
 * `prometheusBinary()` says why there is none; under `npm run ci`
 * (PRODSHAPE_REQUIRE_TEST_DEPS=1) that throws instead, so a missing package
 * fails the suite rather than skipping it.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const prometheusBinary = (): { path: string; skip: null } | { path: null; skip: string } => {
  const path = process.env.PRODSHAPE_PROMETHEUS ?? '/usr/bin/prometheus';
  try {
    execFileSync(path, ['--version'], { stdio: 'ignore', timeout: 10_000 });
    return { path, skip: null };
  } catch (e) {
    const reason = `no Prometheus at ${path} (apt-get install prometheus): ${(e as Error).message}`;
    if (process.env.PRODSHAPE_REQUIRE_TEST_DEPS === '1') throw new Error(`Prometheus is required (PRODSHAPE_REQUIRE_TEST_DEPS=1): ${reason}`);
    return { path: null, skip: reason };
  }
};

const freePort = (): Promise<number> => new Promise((res, rej) => {
  const s = createServer();
  s.once('error', rej);
  s.listen(0, '127.0.0.1', () => {
    const addr = s.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
    s.close(() => res(port));
  });
});

export interface TestPrometheus {
  url: URL;
  stop(): Promise<void>;
}

/** Starts Prometheus scraping `targets` (`host:port`, job `svc`) every second; resolves once it answers /-/ready (at most 30 s). */
export const startPrometheus = async (binary: string, targets: string[]): Promise<TestPrometheus> => {
  const dir = mkdtempSync(join(tmpdir(), 'prodshape-prom-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, [
    'global: { scrape_interval: 1s, evaluation_interval: 1s }',
    'scrape_configs:',
    '  - job_name: svc',
    '    static_configs:',
    `      - targets: [${targets.map((t) => JSON.stringify(t)).join(', ')}]`,
    '',
  ].join('\n'));
  const port = await freePort();
  const child: ChildProcess = spawn(binary, [
    `--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`,
    '--web.enable-remote-write-receiver', '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => { stderr = (stderr + b.toString()).slice(-4000); });
  const url = new URL(`http://127.0.0.1:${port}`);
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const ok = await fetch(new URL('/-/ready', url)).then((r) => r.ok, () => false);
    if (ok) return { url, stop };
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error(`Prometheus did not become ready on ${url.href}: ${stderr}`);
};

/**
 * Waits until Prometheus has scraped each of `targets` instances of job `svc`
 * at least `times` times (bounded: `timeoutMs`, 20 s by default), so a
 * window read afterwards holds every instance from its first step.
 */
export const waitScraped = async (prom: TestPrometheus, targets: number, times = 3, timeoutMs = 20_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const now = Date.now() / 1000;
    const body = new URLSearchParams({ query: 'count_over_time(up{job="svc"}[1m])', time: String(now) });
    const r = await fetch(new URL('/api/v1/query', prom.url), { method: 'POST', body }).then((x) => x.json() as Promise<{ data?: { result?: Array<{ value?: [number, string] }> } }>, () => null);
    const result = r?.data?.result ?? [];
    if (result.length === targets && result.every((x) => Number(x.value?.[1] ?? 0) >= times)) return;
    await new Promise((res) => setTimeout(res, 300));
  }
  throw new Error(`Prometheus did not scrape ${targets} targets ${times} times within ${timeoutMs} ms`);
};
