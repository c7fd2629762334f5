/**
 * The demo's embedded PostgreSQL server, measured: initdb, the first start
 * after it (cold: nothing in the OS page cache from an earlier start), later
 * starts (warm), a fast shutdown, and the server's memory (proportional set
 * size of the postmaster and its children, so shared buffers count once), idle
 * and after a full read of a 1-million-row table.
 *
 *   npx tsx bench/embedded-pg.ts [--starts N]    (default 5 warm starts)
 *
 * Uses a fresh cache directory under the system temp dir, removed afterwards.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { startEmbeddedPg } from '../src/pg/embedded.js';

/** PSS of `pid` and its children, kB (Linux /proc). */
const pssKb = (pid: number): number => {
  const kids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
    try {
      return readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]?.split(' ')[1] === String(pid);
    } catch {
      return false;
    }
  });
  return [String(pid), ...kids].reduce((sum, p) => {
    try {
      return sum + Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      return sum;
    }
  }, 0);
};

const starts = Number(process.argv[process.argv.indexOf('--starts') + 1] ?? 5) || 5;
const cacheDir = mkdtempSync(join(tmpdir(), 'prodshape-bench-pg-'));
const lines: { t: number; line: string }[] = [];
try {
  let t0 = performance.now();
  const first = await startEmbeddedPg({ cacheDir, log: (line) => lines.push({ t: performance.now() - t0, line }) });
  const firstMs = performance.now() - t0;
  const initLine = lines.find((l) => /cluster created in/.test(l.line))?.line ?? '';
  const idleKb = pssKb(first.pid);
  const c = new pg.Client({ connectionString: first.url });
  await c.connect();
  await c.query('CREATE TABLE t AS SELECT g AS id, md5(g::text) AS s FROM generate_series(1, 1000000) g');
  await c.query('SELECT count(*), max(s) FROM t');
  const loadedKb = pssKb(first.pid);
  await c.end();
  t0 = performance.now();
  await first.stop();
  const stopMs = performance.now() - t0;
  const warm: number[] = [];
  for (let i = 0; i < starts; i++) {
    t0 = performance.now();
    const s = await startEmbeddedPg({ cacheDir });
    warm.push(performance.now() - t0);
    await s.stop();
  }
  warm.sort((a, b) => a - b);
  console.log(`initdb: ${initLine}`);
  console.log(`first start (initdb + start + demo database): ${(firstMs / 1000).toFixed(1)} s`);
  console.log(`warm start: median ${(warm[Math.floor(warm.length / 2)]! / 1000).toFixed(2)} s, min ${(warm[0]! / 1000).toFixed(2)} s, max ${(warm[warm.length - 1]! / 1000).toFixed(2)} s (${starts} starts)`);
  console.log(`fast shutdown: ${(stopMs / 1000).toFixed(2)} s`);
  console.log(`memory (PSS, postmaster + children): idle ${Math.round(idleKb / 1024)} MB, after reading a 1M-row table ${Math.round(loadedKb / 1024)} MB`);
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
}
