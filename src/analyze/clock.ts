/**
 * The profile clock in the report: a run whose profile says which time of
 * day it stands for (scenario/profile.ts `clock:`) names that time beside
 * its seconds, in the sentences ("at 24m00s (09:05)") and in report.json
 * (`clock` beside `t_s`, `start_clock` beside `start_s`, …). Pure.
 */
import { clockAt, type ProfileClock } from '../traffic/clock.js';
import { fmtS } from '../core/duration.js';

/** The instants of report.json and the clock field each gets beside it (durations such as `window_s` get none). */
export const CLOCK_FIELDS: Readonly<Record<string, string>> = {
  t_s: 'clock', start_s: 'start_clock', end_s: 'end_clock', until_s: 'until_clock',
  from_s: 'from_clock', to_s: 'to_clock', first_waiting_s: 'first_waiting_clock',
};

/** `24m00s (09:05)` with a clock and a time; `24m00s` without a clock; `-` for no time. */
export const fmtAtClock = (s: number | null | undefined, clock: string | null | undefined): string =>
  s === null || s === undefined || !clock ? fmtS(s) : `${fmtS(s)} (${clock})`;

/** An instant of the run (s since its start) in words, with the profile clock when the run has one. */
export const fmtAt = (s: number | null | undefined, clock: ProfileClock | null | undefined): string =>
  fmtAtClock(s, clock && s !== null && s !== undefined ? clockAt(clock, s) : null);

const isPlain = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * A copy of `value` where every object holding one of CLOCK_FIELDS' instants
 * (a number) also holds its clock, placed right after it. Unchanged without
 * a clock.
 */
export const withClockFields = <T>(value: T, clock: ProfileClock | null | undefined): T => {
  if (!clock) return value;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!isPlain(v)) return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      out[k] = walk(x);
      const name = CLOCK_FIELDS[k];
      if (name !== undefined && typeof x === 'number' && Number.isFinite(x)) out[name] = clockAt(clock, x);
    }
    return out;
  };
  return walk(value) as T;
};

/** The run's span on the profile clock, `05:00–12:00` (start to planned end), or null without a clock. */
export const clockSpan = (clock: ProfileClock | null | undefined, plannedS: number): string | null =>
  clock ? `${clockAt(clock, 0)}–${clockAt(clock, plannedS)}` : null;
