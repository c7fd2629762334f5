/** The live line fits the width it is given, keeping the most important fields. */
import { describe, expect, it } from 'vitest';
import { everyBlockOf, formatLive, progressBar } from '../../src/engine/live.js';
import type { LiveStatus } from '../../src/engine/run.js';
import { visibleLength } from '../../src/report/format.js';

const typical: LiveStatus = { elapsedMs: 10_500, totalMs: 20_000, offeredRps: 20.9, achievedRps: 20.9, p50Ms: 5.13, p99Ms: 44, errors: 0, dropped: 0, inflight: 0 };
/** Every number as wide as a long, troubled run makes it. */
const wide: LiveStatus = { elapsedMs: 3_599_000, totalMs: 36_000_000, offeredRps: 12_345, achievedRps: 9_876, p50Ms: 1234, p99Ms: 29_500, errors: 1_234_567, dropped: 7_654_321, inflight: 10_000 };

const red = { red: (t: string): string => `\u001b[31m${t}\u001b[39m` };

describe('formatLive', () => {
  it('keeps today\'s full line (no bar) when the width is unbounded and bars are off', () => {
    expect(formatLive(typical, Number.POSITIVE_INFINITY, { progressBar: false }))
      .toBe(' 10.5s/20s  offered 20.9/s  achieved 20.9/s  p50 5.13 ms  p99 44 ms  errors 0  dropped 0  in flight 0');
  });

  it('at 120 columns: full labels, every field, and a progress bar of the planned duration', () => {
    const line = formatLive(typical, 120);
    expect(line.length).toBeLessThanOrEqual(120);
    for (const f of ['10.5s/20s', 'offered 20.9/s', 'achieved 20.9/s', 'p50 5.13 ms', 'p99 44 ms', 'errors 0', 'dropped 0', 'in flight 0']) expect(line).toContain(f);
    expect(line).toMatch(/\[#+-+\]/);
    // half the run done: half the bar filled
    const bar = /\[([#-]+)\]/.exec(line)![1]!;
    expect(bar.replace(/-/g, '').length).toBe(Math.round(bar.length / 2));
  });

  it('at 80 columns: short labels; p50 goes first to make room for the bar', () => {
    const line = formatLive(typical, 80);
    expect(line.length).toBeLessThanOrEqual(80);
    expect(line).toBe('10.5s/20s [#########--------] off 20.9/s ach 20.9/s p99 44ms err 0 drop 0 infl 0');
    // Without bars: every field.
    expect(formatLive(typical, 80, { progressBar: false })).toBe('10.5s/20s off 20.9/s ach 20.9/s p50 5.13ms p99 44ms err 0 drop 0 infl 0');
  });

  it('at 60 columns: p50, offered and achieved go before the bar', () => {
    const line = formatLive(typical, 60);
    expect(line.length).toBeLessThanOrEqual(60);
    expect(line).toBe('10.5s/20s [##########---------] p99 44ms err 0 drop 0 infl 0');
    expect(formatLive(typical, 60, { progressBar: false })).toBe('10.5s/20s off 20.9/s ach 20.9/s p99 44ms err 0 drop 0 infl 0');
  });

  it('at 40 columns: elapsed/total, p99, errors, dropped and in flight stay', () => {
    const line = formatLive(typical, 40);
    expect(line.length).toBeLessThanOrEqual(40);
    expect(line).toBe('10.5s/20s p99 44ms err 0 drop 0 infl 0');
  });

  it('with the widest numbers, never exceeds the width and keeps dropped and in flight down to 40 columns', () => {
    for (const w of [40, 60, 80, 120]) {
      const line = formatLive(wide, w);
      expect(line.length, `${w}: ${line}`).toBeLessThanOrEqual(w);
      expect(line).toMatch(/^\S*59m59s\/10h00m/);
      expect(line).toMatch(/drop(ped)? 7654321/);
      expect(line).toMatch(/(infl|in flight) 10000/);
    }
    expect(formatLive(wide, 120, { progressBar: false })).toBe('59m59s/10h00m off 12345/s ach 9876/s p50 1.23s p99 29.5s err 1234567 drop 7654321 infl 10000');
  });

  it('with a profile: its clock and stage after the time, then the bar; at 80 columns all three stay', () => {
    const monday: LiveStatus = { ...typical, elapsedMs: 95_000, totalMs: 120_000, clock: '09:12', stage: { name: 'nine-am-ramp', index: 3, count: 6 } };
    const at80 = formatLive(monday, 80);
    expect(at80.length).toBeLessThanOrEqual(80);
    expect(at80).toMatch(/^1m35s\/2m00s 09:12 · nine-am-ramp 3\/6 \[#+-+\] p99 44ms err 0 drop 0 infl 0$/);
    // Wide: full labels and every field, the bar in what is left.
    const at160 = formatLive(monday, 160);
    expect(at160).toMatch(/^ 1m35s\/2m00s {2}09:12 · nine-am-ramp 3\/6 {2}\[#+-*\] {2}offered 20.9\/s {2}achieved 20.9\/s {2}p50 5.13 ms/);
    // Narrower: the bar, then the stage go; the clock stays longer.
    expect(formatLive(monday, 70)).toBe('1m35s/2m00s 09:12 · nine-am-ramp 3/6 p99 44ms err 0 drop 0 infl 0');
    expect(formatLive(monday, 56)).toBe('1m35s/2m00s 09:12 p99 44ms err 0 drop 0 infl 0');
    expect(formatLive(monday, 40)).toBe('1m35s/2m00s 09:12 err 0 drop 0 infl 0');
    // Unnamed stages say `stage`; long names are cut.
    expect(formatLive({ ...monday, clock: null, stage: { name: null, index: 1, count: 2 } }, 80)).toMatch(/^1m35s\/2m00s stage 1\/2 \[/);
    expect(formatLive({ ...monday, stage: { name: 'a-very-long-stage-name-indeed', index: 1, count: 1 } }, 200)).toContain('09:12 · a-very-long-sta… 1/1');
  });

  it('never exceeds any width from 1 to 140, bars on or off, coloured or not', () => {
    const placed: LiveStatus = { ...wide, clock: '23:59', stage: { name: 'a-very-long-stage-name-indeed', index: 12, count: 12 } };
    for (const s of [typical, wide, placed, { ...typical, p50Ms: null, p99Ms: null, errors: 3, dropped: 1 }]) {
      for (let w = 1; w <= 140; w++) {
        expect(visibleLength(formatLive(s, w)), `${w}`).toBeLessThanOrEqual(w);
        expect(visibleLength(formatLive(s, w, { paint: red })), `${w} coloured`).toBeLessThanOrEqual(w);
        expect(visibleLength(formatLive(s, w, { progressBar: false })), `${w} no bar`).toBeLessThanOrEqual(w);
      }
    }
  });

  it('paints non-zero errors and drops red, and only when asked', () => {
    const troubled = { ...typical, errors: 3, dropped: 1 };
    expect(formatLive(troubled, 80, { paint: red })).toContain('\u001b[31merr 3\u001b[39m');
    expect(formatLive(troubled, 80, { paint: red })).toContain('\u001b[31mdrop 1\u001b[39m');
    expect(formatLive(typical, 80, { paint: red })).not.toContain('\u001b[');
    expect(formatLive(troubled, 80)).not.toContain('\u001b[');
  });

  it('progressBar fills in proportion and clamps', () => {
    expect(progressBar(0, 12)).toBe('[----------]');
    expect(progressBar(0.5, 12)).toBe('[#####-----]');
    expect(progressBar(2, 6)).toBe('[####]');
    expect(progressBar(Number.NaN, 4)).toBe('[--]');
  });
});

describe('everyBlockOf (the piped live line\'s cadence)', () => {
  it('prints at 5 s, 10 s, 15 s… of elapsed time, one status per block', () => {
    const due = everyBlockOf(5000);
    const printed = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15].map((s) => s * 1000).filter((ms) => due(ms));
    expect(printed).toEqual([5000, 10_000, 15_000]);
  });

  it('stays on the grid when a second yields no status or a tick is late: the next status in the block prints', () => {
    const due = everyBlockOf(5000);
    // No status at 5 s or at 10 s (a tick that found no numbers, one skipped): 6 s and 11 s print, then 15 s as usual.
    const printed = [1, 2, 3, 4, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16].map((s) => s * 1000).filter((ms) => due(ms));
    expect(printed).toEqual([6000, 11_000, 15_000]);
  });
});
