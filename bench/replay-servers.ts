/**
 * Targets for the replay benchmarks: nginx with a temporary config on a free
 * port, a minimal node:http server and the stall server (freezes 1 s every
 * 5 s), each in its own process so they do not share the generator's CPU
 * time slice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface BenchTarget {
  name: string;
  url: string;
  /** CPU time (user + system) the target's processes (nginx: its master and worker) have used so far, ms. */
  cpuMs: () => number;
  stop: () => Promise<void>;
}

/** Linux's clock ticks per second in /proc/<pid>/stat (USER_HZ: 100 on every Linux architecture Node runs on). */
const USER_HZ = 100;

/** CPU time (utime + stime) of process `pid` and its children, ms; 0 for a process gone. */
export const processTreeCpuMs = (pid: number): number => {
  try {
    // The command name (field 2) may hold spaces: count the fields after its closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const own = ((Number(f[11]) + Number(f[12])) * 1000) / USER_HZ;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter((c) => c !== '').map(Number);
    return own + children.reduce((a, c) => a + processTreeCpuMs(c), 0);
  } catch {
    return 0;
  }
};

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });

export const waitForPort = async (port: number, timeoutMs = 10_000): Promise<void> => {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const ok = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing answered on port ${port}`);
};

/** Spawns `cmd`, under `taskset -c cpus` when `cpus` is given (the target on a core of its own). */
const spawnOn = (cpus: string | null, cmd: string, args: string[]): ChildProcess =>
  cpus === null ? spawn(cmd, args, { stdio: 'inherit' }) : spawn('taskset', ['-c', cpus, cmd, ...args], { stdio: 'inherit' });

export const stopChild = (c: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (c.exitCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
  });

/** nginx (1 worker process) answering 200 "ok" from a temporary prefix; on CPUs `cpus` (taskset list) when given. */
export const startNginx = async (cpus: string | null = null): Promise<BenchTarget> => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ps-nginx-'));
  writeFileSync(join(dir, 'nginx.conf'), `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    location / { return 200 'ok'; }
  }
}
`);
  const child = spawnOn(cpus, 'nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')]);
  await waitForPort(port);
  return { name: 'nginx', url: `http://127.0.0.1:${port}`, cpuMs: () => processTreeCpuMs(child.pid ?? -1), stop: () => stopChild(child) };
};

const NODE_SERVER = `
const http = require('node:http');
const stall = process.argv[2] === 'stall';
const t0 = Date.now();
const s = http.createServer((req, res) => {
  if (stall) {
    const phase = (Date.now() - t0) % 5000;
    if (phase >= 4000) return setTimeout(() => res.end('late'), 5000 - phase);
  }
  res.end('ok');
});
s.keepAliveTimeout = 120000;
s.listen(Number(process.argv[1]), '127.0.0.1');
`;

/** A minimal node:http server; `stall` freezes it for the last second of every 5 s; on CPUs `cpus` when given. */
export const startNodeServer = async (stall = false, cpus: string | null = null): Promise<BenchTarget> => {
  const port = await freePort();
  const child = spawnOn(cpus, process.execPath, ['-e', NODE_SERVER, String(port), stall ? 'stall' : 'fast']);
  // The stall server may be frozen on the first probe: wait past it.
  await waitForPort(port, 12_000);
  return { name: stall ? 'node-stall' : 'node:http', url: `http://127.0.0.1:${port}`, cpuMs: () => processTreeCpuMs(child.pid ?? -1), stop: () => stopChild(child) };
};
