/**
 * Runs the built CLI as a child process and measures its wall time and peak
 * RSS (from /usr/bin/time when present, else by polling /proc/PID/status).
 * Shared by the generate benchmarks.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..');
export const CLI = join(ROOT, 'dist', 'cli', 'main.js');

export interface ProcResult { code: number | null; wallS: number; peakRssMb: number; stdout: string; stderr: string }

/** Runs `cmd args…`, returning exit code, wall seconds and peak RSS in MB. */
export const runMeasured = (cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<ProcResult> => {
  const useTime = existsSync('/usr/bin/time');
  const argv = useTime ? ['-f', '__MAXRSS_KB=%M', cmd, ...args] : args;
  const started = performance.now();
  const child = spawn(useTime ? '/usr/bin/time' : cmd, argv, { env });
  let stdout = '';
  let stderr = '';
  let polledKb = 0;
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const poll = useTime
    ? null
    : setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) polledKb = Math.max(polledKb, Number(m[1]));
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        }
      }, 20);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (poll) clearInterval(poll);
      const m = /__MAXRSS_KB=(\d+)/.exec(stderr);
      const kb = m ? Number(m[1]) : polledKb;
      resolve({ code, wallS: (performance.now() - started) / 1000, peakRssMb: kb / 1024, stdout, stderr: stderr.replace(/__MAXRSS_KB=\d+\n?/, '') });
    });
  });
};

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};
