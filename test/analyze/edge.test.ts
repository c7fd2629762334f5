/** Runs at the edges: empty, very short, interrupted, with dropped arrivals, without a scenario file; all must analyse and fit the schema. */
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeRunDir } from '../../src/analyze/index.js';
import { reportSchemaErrors } from '../helpers/schema.js';
import { window, writeRunDir } from '../helpers/rundir.js';
import { removeSynthRuns, synthRun } from './synth.js';

afterAll(removeSynthRuns);

describe('edge cases', () => {
  it('an empty run (nothing sent) gives a valid report with no breaks and a note', async () => {
    const r = await analyzeRunDir(writeRunDir({ meta: { endpoints: ['list-orders'], duration_s: 0 }, windows: [] }), { slo: ['p99<1s'] });
    expect(reportSchemaErrors(r)).toEqual([]);
    expect(r.breaks).toEqual([]);
    expect(r.summary.requests).toBe(0);
    expect(r.slo[0]).toMatchObject({ pass: false, actual: null });
    expect(r.verdict.notes.join(' ')).toMatch(/No request was sent/);
  });

  it('a 3-second run is analysed with 1-second bins and no breaks', async () => {
    const r = await analyzeRunDir(writeRunDir({
      meta: { duration_s: 3 },
      windows: [0, 1, 2].map((t) => window(t, 'a', Array.from({ length: 50 }, (_, i) => 1 + (i % 7)))),
    }));
    expect(reportSchemaErrors(r)).toEqual([]);
    expect(r.breaks).toEqual([]);
    expect((r.analysis as { bins: { overall: { bin_s: number } } }).bins.overall.bin_s).toBe(1);
  });

  it('an interrupted run with dropped arrivals and a lagging generator says so in the verdict', async () => {
    const dir = synthRun({
      seed: 3, durationS: 20, rate: () => 100, endpoints: [{ name: 'a', weight: 1 }], serviceMs: () => 3,
      meta: { interrupted: true, interrupt_reason: 'SIGINT', lag_ms: { p50: 0.2, p99: 12, max: 40 } },
    });
    const r = await analyzeRunDir(dir);
    const notes = r.verdict.notes.join(' ');
    expect(notes).toMatch(/stopped early \(SIGINT\)/);
    expect(notes).toMatch(/Schedule lag p99 was 12/);
    expect(r.summary.interrupted).toBe(true);
  });

  it('a lag the machine\'s stalls explain is named the machine\'s; stalls too short to explain it leave it the generator\'s', async () => {
    const noteOf = async (stalls: [number, number][]): Promise<string> => {
      const total = stalls.reduce((s, [, ms]) => s + ms, 0);
      const dir = synthRun({
        seed: 5, durationS: 20, rate: () => 100, endpoints: [{ name: 'a', weight: 1 }], serviceMs: () => 3,
        meta: {
          lag_ms: { p50: 0.2, p99: 30, max: 120 },
          extra: { machine_stalls: { min_ms: 20, count: stalls.length, total_ms: total, worst_ms: Math.max(...stalls.map(([, ms]) => ms)), stalls } },
        },
      });
      const r = await analyzeRunDir(dir);
      expect(reportSchemaErrors(r)).toEqual([]);
      return r.verdict.notes.join(' ');
    };
    // Three 105-ms freezes in 20 s: alone they give a lag p99 of 38 ms, more than the 30 ms measured.
    const machine = await noteOf([[3.1, 105], [9.4, 105], [15, 105]]);
    expect(machine).toMatch(/Schedule lag p99 was 30 ms \(> 5 ms\): sends left late/);
    expect(machine).toMatch(/stalled the generator's process 3 times for 20 ms or more \(worst 105 ms, 315 ms in all/);
    expect(machine).toMatch(/Those stalls alone give a lag p99 of 38 ms: the machine set this lag/);
    // One 25-ms stall: 0.1% of the run, too little to move a p99.
    const own = await noteOf([[4, 25]]);
    expect(own).toMatch(/the load generator, not only the target, was a bottleneck/);
    expect(own).toMatch(/They cover under 1% of the run: too little to move the lag p99\./);
    expect(own).not.toMatch(/the machine set this lag/);
  });

  it('a scenario.yaml that no longer parses does not stop the analysis; the pool section says why', async () => {
    const dir = synthRun({ seed: 4, durationS: 10, rate: () => 50, endpoints: [{ name: 'a', weight: 1 }], serviceMs: () => 3, scenarioText: 'name: [broken' });
    const r = await analyzeRunDir(dir);
    expect(r.pool.status).toBe('no-gauges');
    expect(r.pool.note).toMatch(/scenario\.yaml in the run directory did not parse/);
  });
});

describe('diagnosis step 5 without an observer', () => {
  const run = (scenarioText: string) => synthRun({ seed: 9, durationS: 10, rate: () => 50, endpoints: [{ name: 'x', weight: 1 }], serviceMs: () => 5, scenarioText });
  it('says the observer was off when the scenario lists its critical queries, without asking for them again', async () => {
    const r = await analyzeRunDir(run('name: s\nendpoints:\n  - { name: x, path: /x }\nplans:\n  - { name: q, sql: "SELECT 1" }\n'), {});
    const step = r.diagnosis.find((d) => d.id === 'plans')!;
    expect(step.status).toBe('not-observed');
    expect(step.summary).toMatch(/lists critical queries under `plans:`, but the PostgreSQL observer was not on/);
    expect(step.how_to_enable).not.toMatch(/list critical queries/);
  });
  it('asks for them when the scenario has none', async () => {
    const r = await analyzeRunDir(run('name: s\nendpoints:\n  - { name: x, path: /x }\n'), {});
    expect(r.diagnosis.find((d) => d.id === 'plans')!.how_to_enable).toMatch(/list critical queries under `plans:`/);
  });
});
