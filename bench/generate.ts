/**
 * Generate benchmarks (CSV). Run from the package root after `npm run build`:
 *
 *   npm run build && npx tsx bench/generate.ts [--quick]
 *
 * 1. Rows per second to CSV files for the default scenario (saas-orders) at
 *    --scale 1, 10 and 50, on the main thread and with 1 and 2 worker threads
 *    (scale 50 is 10.3 million rows).
 * 2. Peak RSS of the process for those 10.3 million rows (goal: < 300 MB).
 *
 * Each trial is a fresh `node dist/cli/main.js generate` process; its time
 * includes start-up, faker pools, schema.sql and manifest.json. Output goes to
 * a temporary directory, removed afterwards. Numbers depend on the machine
 * and on what else runs on it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, median, runMeasured } from './generate-proc.js';

const QUICK = process.argv.includes('--quick');
const work = mkdtempSync(join(tmpdir(), 'ps-bench-gen-'));
const ROWS_AT_SCALE_1 = 206_000;

const trial = async (scale: number, workers: number): Promise<{ wallS: number; rowsPerS: number; peakRssMb: number }> => {
  const out = join(work, `s${scale}-w${workers}`);
  const r = await runMeasured(process.execPath, [CLI, 'generate', '--scenario', 'saas-orders', '--out', out, '--scale', String(scale), '--workers', String(workers), '--quiet']);
  rmSync(out, { recursive: true, force: true });
  if (r.code !== 0) throw new Error(`generate failed (${r.code}): ${r.stderr}`);
  return { wallS: r.wallS, rowsPerS: (ROWS_AT_SCALE_1 * scale) / r.wallS, peakRssMb: r.peakRssMb };
};

try {
  console.log('prodshape generate → CSV, saas-orders (rows/s over the whole process; median of the trials)');
  console.log('scale  rows        workers  wall s   rows/s      peak RSS');
  for (const scale of QUICK ? [1, 10] : [1, 10, 50]) {
    for (const workers of [0, 1, 2]) {
      const runs = [];
      for (let k = 0; k < (scale >= 50 ? 1 : 3); k++) runs.push(await trial(scale, workers));
      const wall = median(runs.map((x) => x.wallS));
      const rss = Math.max(...runs.map((x) => x.peakRssMb));
      console.log(`${String(scale).padStart(5)}  ${String(ROWS_AT_SCALE_1 * scale).padEnd(10)}  ${String(workers).padStart(7)}  ${wall.toFixed(2).padStart(6)}  ${Math.round((ROWS_AT_SCALE_1 * scale) / wall).toLocaleString('en-US').padStart(10)}  ${rss.toFixed(0).padStart(5)} MB`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
