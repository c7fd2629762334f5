/**
 * The profile clock: which wall-clock time of the day a profile stands for
 * at a given moment of a run (monday-9am's "09:12" at 95 s with --speed 30).
 * Pure. The marks come from the profile (scenario/profile.ts `clock:` and
 * `clock_end:`), already divided by `--speed`; `--duration` cuts the run, not
 * the mapping.
 */
import { clockText, parseProfile, transformProfile, type Profile, type ProfileClock } from '../scenario/profile.js';

export { clockText, type ProfileClock } from '../scenario/profile.js';

/**
 * Minutes since midnight the run's second `tS` stands for: linear between
 * the marks around it; before the first mark the first mark's time, past the
 * last the last's (a run that overran its plan stays at the profile's end).
 */
export const clockMinuteAt = (clock: ProfileClock, tS: number): number => {
  const tMs = tS * 1000;
  const { marks } = clock;
  const first = marks[0];
  if (first === undefined || tMs <= first.atMs) return first?.minuteOfDay ?? 0;
  for (let i = 1; i < marks.length; i++) {
    const a = marks[i - 1];
    const b = marks[i];
    if (a === undefined || b === undefined) break;
    if (tMs < b.atMs) return a.minuteOfDay + ((b.minuteOfDay - a.minuteOfDay) * (tMs - a.atMs)) / (b.atMs - a.atMs);
  }
  return marks[marks.length - 1]?.minuteOfDay ?? 0;
};

/** "HH:MM" the run's second `tS` stands for (minutes floored: 09:12 until 09:13 begins). */
export const clockAt = (clock: ProfileClock, tS: number): string => clockText(clockMinuteAt(clock, tS));

/**
 * The clock of a recorded run: the profile text as the run directory keeps it
 * (before transforms) and the run's `--speed`. Null when the profile has no
 * clock or the text no longer parses (`onWarning` is told why).
 */
export const runClock = (profileText: string | null, speed: number, onWarning: (message: string) => void = () => undefined): ProfileClock | null => {
  if (profileText === null) return null;
  try {
    return transformProfile(parseProfile(profileText, 'profile.yaml'), { speed }).clock;
  } catch (e) {
    onWarning(`profile.yaml of the run does not parse, so times are shown without the profile clock (${(e as Error).message})`);
    return null;
  }
};

/** Where a profile is at a moment of the run: its stage (1-based of `count`, its name when it has one) and its clock. */
export interface ProfilePlace {
  stage: { name: string | null; index: number; count: number } | null;
  /** "HH:MM", or null when the profile has no clock. */
  clock: string | null;
}

/** The place of `p` (as played: after `--speed` and `--duration`) at `tMs` since the start; past the end, the last stage. */
export const profilePlace = (p: Pick<Profile, 'stages' | 'clock'>, tMs: number): ProfilePlace => {
  const count = p.stages.length;
  let start = 0;
  let index = count - 1;
  for (let i = 0; i < count; i++) {
    start += p.stages[i]?.durationMs ?? 0;
    if (tMs < start) {
      index = i;
      break;
    }
  }
  const st = p.stages[index];
  return {
    stage: st === undefined ? null : { name: st.name ?? null, index: index + 1, count },
    clock: p.clock === null ? null : clockAt(p.clock, tMs / 1000),
  };
};
