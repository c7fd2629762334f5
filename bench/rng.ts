/**
 * Random-number benchmark: draws per second of prodshape's generator
 * (src/core/rng.ts, sfc32) in its hot use (exponential inter-arrival gaps and
 * uniform picks, as traffic planning and data generation draw them), next to
 * Math.random in the same run and, when installed, the candidates it was
 * chosen against (not dependencies; install them for the comparison only):
 *
 *   npm install --no-save seedrandom@3.0.5 pure-rand@8.4.2
 *   npx tsx bench/rng.ts [draws]
 *
 * Every generator runs the same loops in a fresh process of its own (so one
 * generator's JIT feedback does not slow the next); rounds alternate so a busy
 * machine disturbs them alike, and the best round of each counts.
 */
import { execFileSync } from 'node:child_process';
import { createRng, randExp, randInt, type Rng } from '../src/core/rng.js';

const DRAWS = Number(process.argv[2] ?? 10_000_000);
const ROUNDS = 5;

/** A generator to measure: its name and a factory (a fresh seeded source per round). */
interface Candidate { name: string; make: () => Rng }

/** Imports an optional package, or null (and says so) when it is not installed. */
const optional = async <T>(specifier: string): Promise<T | null> => {
  try {
    return (await import(specifier)) as T;
  } catch {
    console.log(`(${specifier}: not installed, skipped)`);
    return null;
  }
};

type Gen = { next(): number };

const candidates = async (): Promise<Candidate[]> => {
  const list: Candidate[] = [
    { name: 'sfc32 (prodshape createRng)', make: () => createRng(42, 'bench') },
    { name: 'Math.random (peer)', make: () => Math.random },
  ];
  const sr = await optional<{ default: { alea: (s: string) => Rng } }>('seedrandom');
  if (sr) list.push({ name: 'seedrandom.alea 3.0.5', make: () => { const p = sr.default.alea('42/bench'); return () => p(); } });
  const xo = await optional<{ xoroshiro128plus: (seed: number) => Gen }>('pure-rand/generator/xoroshiro128plus');
  const uf = await optional<{ uniformFloat64: (g: Gen) => number }>('pure-rand/distribution/uniformFloat64');
  if (xo && uf) {
    list.push({ name: 'pure-rand 8 xoroshiro128+ uniformFloat64 (53 bits)', make: () => { const g = xo.xoroshiro128plus(42); return () => uf.uniformFloat64(g); } });
    list.push({ name: 'pure-rand 8 xoroshiro128+ next()/2^32 (32 bits)', make: () => { const g = xo.xoroshiro128plus(42); return () => (g.next() >>> 0) / 4294967296; } });
  }
  return list;
};

/** Ns per draw of `loop` over DRAWS draws; throws when the draws sum to nonsense. */
const timed = (name: string, loop: () => number): number => {
  const t0 = process.hrtime.bigint();
  const sum = loop();
  const ns = Number(process.hrtime.bigint() - t0);
  if (!Number.isFinite(sum)) throw new Error(`${name}: bad draws`);
  return ns / DRAWS;
};

/** The generator alone (sum of raw draws), then the hot use: half exponential gaps, half uniform integer picks. */
const measure = (c: Candidate): { rawNs: number; useNs: number } => {
  const raw = c.make();
  const use = c.make();
  return {
    rawNs: timed(c.name, () => { let s = 0; for (let i = 0; i < DRAWS; i++) s += raw(); return s; }),
    useNs: timed(c.name, () => { let s = 0; for (let i = 0; i < DRAWS; i += 2) s += randExp(use, 10) + randInt(use, 1000); return s; }),
  };
};

const list = await candidates();
const only = process.argv.indexOf('--only');
if (only !== -1) {
  const c = list[Number(process.argv[only + 1])]!;
  console.log(JSON.stringify(measure(c)));
} else {
  const best = new Map<string, { rawNs: number; useNs: number }>();
  for (let r = 0; r < ROUNDS; r++) {
    list.forEach((c, k) => {
      const out = execFileSync(process.execPath, [...process.execArgv, process.argv[1]!, String(DRAWS), '--only', String(k)], { encoding: 'utf8' });
      const m = JSON.parse(out.trim().split('\n').pop()!) as { rawNs: number; useNs: number };
      const b = best.get(c.name) ?? { rawNs: Infinity, useNs: Infinity };
      best.set(c.name, { rawNs: Math.min(b.rawNs, m.rawNs), useNs: Math.min(b.useNs, m.useNs) });
    });
  }
  const ours = best.get(list[0]!.name)!;
  console.log(`${DRAWS.toLocaleString('en-US')} draws per loop, best of ${ROUNDS} alternating rounds, a process per generator and round`);
  console.log('generator                                              raw ns/draw  vs sfc32   exp+int ns/draw  vs sfc32');
  for (const [name, m] of best) {
    console.log(`${name.padEnd(54)} ${m.rawNs.toFixed(2).padStart(11)}  ${(m.rawNs / ours.rawNs).toFixed(2).padStart(7)}x  ${m.useNs.toFixed(2).padStart(15)}  ${(m.useNs / ours.useNs).toFixed(2).padStart(7)}x`);
  }
}
