/**
 * The profile clock: run seconds (after --speed, cut by --duration) -> the
 * time of day a profile stands for, piecewise linear between the stages'
 * `clock:` marks; and its validation (file, line, field, expected).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { parseProfile, profileDurationMs, transformProfile } from '../../src/scenario/profile.js';
import { clockAt, clockMinuteAt, profilePlace, runClock } from '../../src/traffic/clock.js';

const MONDAY_TEXT = readFileSync(join(PACKAGE_ROOT, 'profiles', 'monday-9am.yaml'), 'utf8');
const monday = parseProfile(MONDAY_TEXT, 'monday-9am.yaml');

const errorOf = (text: string): string => {
  try {
    parseProfile(text, 'c.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as InputError).message;
  }
  throw new Error('expected the profile to be refused');
};

describe('profile clock: mapping', () => {
  it('monday-9am: each stage starts at its mark, linear within a stage, 12:00 at the end', () => {
    const c = monday.clock;
    expect(c).not.toBeNull();
    if (c === null) return;
    // Stage starts, profile time in minutes: 0, 12, 18, 23, 35, 43; end 60.
    const at = (min: number): string => clockAt(c, min * 60);
    expect([0, 12, 18, 23, 35, 43, 60].map(at)).toEqual(['05:00', '07:00', '08:30', '09:00', '10:00', '10:30', '12:00']);
    // Within the night (12 minutes stand for 2 hours): 6 min -> 06:00 (the deploy), 9 min -> 06:30.
    expect(at(6)).toBe('06:00');
    expect(at(9)).toBe('06:30');
    // Within the 9am ramp (5 minutes for 30): 2.5 min in -> 08:45.
    expect(at(20.5)).toBe('08:45');
    // Floored to the minute: one second before 09:00 is still 08:59.
    expect(at(23 - 1 / 60)).toBe('08:59');
    expect(clockMinuteAt(c, 23 * 60)).toBeCloseTo(9 * 60, 9);
    // Outside the plan: before the start the first mark, past the end the last.
    expect(clockAt(c, -5)).toBe('05:00');
    expect(clockAt(c, 4000)).toBe('12:00');
  });

  it('--speed divides the marks: at --speed 30 the morning lasts 120 s and 95 s stands for 09:12', () => {
    const fast = transformProfile(monday, { speed: 30 });
    const c = fast.clock;
    if (c === null) throw new Error('no clock');
    expect(profileDurationMs(fast)).toBe(120_000);
    expect(clockAt(c, 0)).toBe('05:00');
    expect(clockAt(c, 46)).toBe('09:00'); // 23 min / 30
    // 95 s x 30 = 47.5 min: 4.5 of late-morning's 17 minutes (10:30->12:00), 10:30 + 23.8 min -> 10:53.
    expect(clockAt(c, 95)).toBe('10:53');
    // 50 s x 30 = 25 min: 2 of nine-to-ten's 12 minutes (09:00->10:00) -> 09:10.
    expect(clockAt(c, 50)).toBe('09:10');
    expect(clockAt(c, 120)).toBe('12:00');
  });

  it('--duration cuts the run, not the mapping: a cut stage keeps its time scale', () => {
    // --speed 30 --duration 50s stops inside nine-to-ten (46 s..70 s).
    const cut = transformProfile(monday, { speed: 30, durationLimitMs: 50_000 });
    expect(profileDurationMs(cut)).toBe(50_000);
    const c = cut.clock;
    if (c === null) throw new Error('no clock');
    expect(clockAt(c, 50)).toBe('09:10');
    expect(clockAt(c, 48)).toBe(clockAt(transformProfile(monday, { speed: 30 }).clock ?? c, 48));
    // The mark of the end is the uncut profile's.
    expect(c.marks[c.marks.length - 1]).toEqual({ atMs: 120_000, minuteOfDay: 12 * 60 });
  });

  it('a recorded run: the profile text and the run speed give the same clock; none for a profile without one', () => {
    const c = runClock(MONDAY_TEXT, 30);
    expect(c).toEqual(transformProfile(monday, { speed: 30 }).clock);
    expect(runClock('stages:\n  - { duration: 10s, rate: 5 }\n', 1)).toBeNull();
    expect(runClock(null, 1)).toBeNull();
    const warnings: string[] = [];
    expect(runClock('stages: nope\n', 1, (m) => warnings.push(m))).toBeNull();
    expect(warnings[0]).toMatch(/profile\.yaml .*does not parse/);
  });
});

describe('profile place (the live view\'s stage and clock)', () => {
  it('monday-9am at --speed 30: the stage (1-based of 6, named) and the clock at a moment of the run', () => {
    const fast = transformProfile(monday, { speed: 30 });
    expect(profilePlace(fast, 0)).toEqual({ stage: { name: 'night', index: 1, count: 6 }, clock: '05:00' });
    // 40 s x 30 = 20 min: 2 of the 9am ramp's 5 minutes (08:30->09:00).
    expect(profilePlace(fast, 40_000)).toEqual({ stage: { name: 'nine-am-ramp', index: 3, count: 6 }, clock: '08:42' });
    // A stage starts at its boundary.
    expect(profilePlace(fast, 46_000).stage?.name).toBe('nine-to-ten');
    // Past the end: the last stage, the end's clock.
    expect(profilePlace(fast, 125_000)).toEqual({ stage: { name: 'late-morning', index: 6, count: 6 }, clock: '12:00' });
    // --duration cuts the stages played: the count is of those.
    expect(profilePlace(transformProfile(monday, { speed: 30, durationLimitMs: 50_000 }), 49_000)).toEqual({ stage: { name: 'nine-to-ten', index: 4, count: 4 }, clock: '09:07' });
  });
  it('a profile without names or clock: the stage index only', () => {
    const p = parseProfile('stages:\n  - { duration: 2s, rate: 5 }\n  - { duration: 2s, rate: 5 }\n');
    expect(profilePlace(p, 2500)).toEqual({ stage: { name: null, index: 2, count: 2 }, clock: null });
  });
});

describe('profile clock: validation', () => {
  const head = 'name: c\nstages:\n';
  it('accepts every stage with a clock and clock_end; a profile without one has none', () => {
    const p = parseProfile(`${head}  - { duration: 10s, rate: 5, clock: "23:00" }\n  - { duration: 20s, rate: 5, clock: "23:30" }\nclock_end: "23:59"\n`);
    expect(p.clock?.marks).toEqual([{ atMs: 0, minuteOfDay: 1380 }, { atMs: 10_000, minuteOfDay: 1410 }, { atMs: 30_000, minuteOfDay: 1439 }]);
    expect(parseProfile(`${head}  - { duration: 10s, rate: 5 }\n`).clock).toBeNull();
  });

  it('a stage without a clock when others have one', () => {
    const msg = errorOf(`${head}  - { duration: 10s, rate: 5, clock: "05:00" }\n  - { duration: 10s, rate: 5 }\nclock_end: "06:00"\n`);
    expect(msg).toContain('c.yaml:4: stages[1]: needs `clock: "HH:MM"`');
  });

  it('clocks without clock_end, and clock_end without clocks', () => {
    expect(errorOf(`${head}  - { duration: 10s, rate: 5, clock: "05:00" }\n`)).toMatch(/c\.yaml:3: stages\[0\]\.clock: needs a profile-level `clock_end/);
    expect(errorOf(`${head}  - { duration: 10s, rate: 5 }\nclock_end: "06:00"\n`)).toContain('c.yaml:3: stages[0]: needs `clock: "HH:MM"`');
  });

  it('a malformed time: file, line, field and what was expected', () => {
    const msg = errorOf(`${head}  - { duration: 10s, rate: 5, clock: "5am" }\n  - { duration: 10s, rate: 5, clock: "24:00" }\nclock_end: 1300\n`);
    expect(msg).toContain('c.yaml:3: stages[0].clock: expected a time of day "HH:MM" (00:00 to 23:59), got "5am"');
    expect(msg).toContain('c.yaml:4: stages[1].clock: expected a time of day "HH:MM"');
    expect(msg).toContain('c.yaml:5: clock_end: expected a time of day "HH:MM" (00:00 to 23:59), got "1300"');
  });

  it('times must increase, up to clock_end', () => {
    const msg = errorOf(`${head}  - { duration: 10s, rate: 5, clock: "09:00" }\n  - { duration: 10s, rate: 5, clock: "08:00" }\nclock_end: "08:00"\n`);
    expect(msg).toContain('c.yaml:4: stages[1].clock: expected a time after 09:00');
    expect(msg).toContain('c.yaml:5: clock_end: expected a time after 08:00 (the clock increases from stage to stage, within one day), got 08:00');
  });
});
