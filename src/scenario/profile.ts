/**
 * Profiles: the shape of traffic over time (docs/design.md "Profile file").
 *
 * A profile never knows endpoints. This module parses a profile strictly and
 * offers pure functions over it: the offered rate at any moment, its integral
 * (the expected request count), and the transforms `--speed`, `--rate-scale`
 * and `--duration` apply. Invariants: stage durations are > 0 ms; rates >= 0.
 */
import { InputError, inputError } from '../core/errors.js';
import { formatDurationMs } from '../core/duration.js';
import { createChecker, readYamlFile, parseYaml, type Checker, type DocPath, type YamlDoc } from '../core/yaml-doc.js';
import { fmtInt } from '../core/numbers.js';

/** Highest rate a stage may reach, in the file and after `--rate-scale`: requests per second. No real run comes near. */
export const MAX_RATE_RPS = 10_000_000;
/** Longest a profile may last after `--speed` (and `--duration`): 30 days, in ms. */
export const MAX_PROFILE_DURATION_MS = 30 * 86_400_000;
/** Bounds of the `--speed` flag (a factor): beyond them a profile lasts for ever or no time at all. */
export const SPEED_RANGE = { min: 0.001, max: 1_000_000 } as const;
/** `--speed` and `--rate-scale` when not given: the profile as written. */
export const TRANSFORM_DEFAULTS = { speed: 1, rateScale: 1 } as const;
/** Largest `--rate-scale` (a factor). */
export const MAX_RATE_SCALE = 1_000_000;

/**
 * Checks `--speed` and `--rate-scale` (either may be absent): finite, in
 * SPEED_RANGE / at most MAX_RATE_SCALE, and `--rate-scale` >= 0 (0 when
 * `zeroScale`, else > 0). InputError naming the flag.
 */
export const checkTransformFlags = (f: { speed?: number | undefined; rateScale?: number | undefined }, opts: { zeroScale?: boolean } = {}): void => {
  const { speed, rateScale } = f;
  if (speed !== undefined && !(speed > 0 && Number.isFinite(speed))) throw inputError('--speed', `expected a number > 0, got ${String(speed)}`);
  if (speed !== undefined && !(speed >= SPEED_RANGE.min && speed <= SPEED_RANGE.max)) {
    throw inputError('--speed', `expected a number from ${SPEED_RANGE.min} to ${fmtInt(SPEED_RANGE.max)} (durations divide by it), got ${String(speed)}`);
  }
  const min = opts.zeroScale ? 0 : Number.MIN_VALUE;
  if (rateScale !== undefined && !(rateScale >= min && Number.isFinite(rateScale))) throw inputError('--rate-scale', `expected a number ${opts.zeroScale ? '>= 0' : '> 0'}, got ${String(rateScale)}`);
  if (rateScale !== undefined && rateScale > MAX_RATE_SCALE) {
    throw inputError('--rate-scale', `expected at most ${fmtInt(MAX_RATE_SCALE)} (rates multiply by it; a stage may reach ${fmtInt(MAX_RATE_RPS)} requests/s), got ${String(rateScale)}`);
  }
};

/** Hold a constant rate (also how a step is written: a hold at the new rate). */
export interface HoldStage { kind: 'hold'; durationMs: number; rateRps: number; name?: string }
/** Linear ramp from `fromRps` to `toRps` over the stage. */
export interface RampStage { kind: 'ramp'; durationMs: number; fromRps: number; toRps: number; name?: string }
export type Stage = HoldStage | RampStage;

/** Arrival process: Poisson (exponential gaps, the default) or evenly spaced. */
export type ArrivalProcess = 'poisson' | 'constant';

/**
 * An action fired at a time; `action` names one of the scenario's `actions`.
 * An `optional` event is skipped (with a note) when the scenario defines no
 * such action, so a shipped profile can carry a deploy and still run with any
 * scenario; a required one is an input error.
 */
export interface ProfileEvent { atMs: number; action: string; optional: boolean }

/** What `prodshape fit` learnt from a log, kept in the profile it wrote. */
export interface FitInfo { zipf_s?: number; [key: string]: unknown }

/**
 * The wall-clock time a profile stands for (`clock:` on every stage plus
 * `clock_end:`): marks at each stage's start and at the profile's end, ms
 * since the start (after `--speed`; `--duration` cuts no mark, so a cut run
 * keeps the morning's mapping) -> minutes since midnight. Both increase
 * strictly; between marks time maps linearly (traffic/clock.ts).
 */
export interface ProfileClock { marks: { atMs: number; minuteOfDay: number }[] }

export interface Profile {
  name: string;
  /** Absolute path of the file it came from, or null when built in code. */
  file: string | null;
  /** The comment block at the top of the file: what this profile reproduces. */
  description: string;
  arrival: ArrivalProcess;
  stages: Stage[];
  events: ProfileEvent[];
  fit: FitInfo | null;
  /** The profile clock, or null when the stages carry no `clock:`. */
  clock: ProfileClock | null;
  /**
   * `demo: { peak_share: X }`: played against the bundled demo without
   * `--rate-scale`, the rates are scaled so the peak stands at X times the
   * demo's measured capacity (above 1 past it). Absent: 0.6.
   */
  demoPeakShare?: number | null;
  /** Transforms applied so far (recorded in the run directory). */
  applied: { speed: number; rateScale: number; durationLimitMs: number | null };
}

const STAGE_KEYS = ['duration', 'rate', 'from', 'to', 'step', 'name', 'clock'] as const;

const parseStage = (c: Checker, path: DocPath, raw: unknown): Stage | undefined => {
  const o = c.object(path, raw, { required: ['duration'], optional: STAGE_KEYS.filter((k) => k !== 'duration') });
  if (!o) return undefined;
  const durationMs = c.durationMs([...path, 'duration'], o.duration, { min: 1 });
  const name = o.name === undefined ? undefined : c.string([...path, 'name'], o.name);
  const named = name === undefined || name.trim() === '' ? {} : { name };
  const hasRamp = o.from !== undefined || o.to !== undefined;
  const hasRate = o.rate !== undefined || o.step !== undefined;
  if (hasRamp && hasRate) {
    c.problem(path, 'a stage is either a hold (`rate`) or a ramp (`from` and `to`), not both');
    return undefined;
  }
  if (!hasRamp && !hasRate) {
    c.problem(path, 'a stage needs `rate` (hold at that many requests per second) or `from` and `to` (linear ramp)');
    return undefined;
  }
  if (hasRamp) {
    const fromRps = c.number([...path, 'from'], o.from, { min: 0, max: MAX_RATE_RPS });
    const toRps = c.number([...path, 'to'], o.to, { min: 0, max: MAX_RATE_RPS });
    if (durationMs === undefined || fromRps === undefined || toRps === undefined) return undefined;
    return { kind: 'ramp', durationMs, fromRps, toRps, ...named };
  }
  const key = o.rate !== undefined ? 'rate' : 'step';
  const rateRps = c.number([...path, key], o[key], { min: 0, max: MAX_RATE_RPS });
  if (durationMs === undefined || rateRps === undefined) return undefined;
  return { kind: 'hold', durationMs, rateRps, ...named };
};

const CLOCK_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)$/;
const CLOCK_TEXT = 'a time of day "HH:MM" (00:00 to 23:59)';

/** `"HH:MM"` -> minutes since midnight, or undefined after recording a problem. */
const clockMinutes = (c: Checker, path: DocPath, raw: unknown): number | undefined => {
  const text = c.string(path, raw, { pattern: CLOCK_PATTERN, patternText: CLOCK_TEXT });
  const m = text === undefined ? null : CLOCK_PATTERN.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
};

/**
 * The profile clock from the stages' `clock:` and the top-level `clock_end:`:
 * every stage has one or none, and the times increase strictly up to
 * `clock_end` (one day, no wrap past midnight). Null when none is given.
 */
const parseClock = (c: Checker, stagesRaw: readonly unknown[], stages: readonly (Stage | undefined)[], clockEndRaw: unknown): ProfileClock | null => {
  const raws = stagesRaw.map((s) => (s !== null && typeof s === 'object' ? (s as Record<string, unknown>).clock : undefined));
  const given = raws.filter((r) => r !== undefined).length;
  if (given === 0 && clockEndRaw === undefined) return null;
  if (given < raws.length) {
    const i = raws.findIndex((r) => r === undefined);
    c.problem(['stages', i], `needs \`clock: "HH:MM"\` like the other stages (either every stage has a clock or none)`);
    return null;
  }
  if (clockEndRaw === undefined) {
    c.problem(['stages', 0, 'clock'], 'needs a profile-level `clock_end: "HH:MM"` (the time the profile\'s end stands for)');
    return null;
  }
  const minutes = [...raws.map((r, i) => clockMinutes(c, ['stages', i, 'clock'], r)), clockMinutes(c, ['clock_end'], clockEndRaw)];
  const marks: ProfileClock['marks'] = [];
  let atMs = 0;
  for (let i = 0; i < minutes.length; i++) {
    const m = minutes[i];
    const prev = minutes[i - 1];
    const path = i < raws.length ? ['stages', i, 'clock'] : ['clock_end'];
    if (m !== undefined && prev !== undefined && m <= prev) c.problem(path, `expected a time after ${clockText(prev)} (the clock increases from stage to stage, within one day), got ${clockText(m)}`);
    if (m !== undefined) marks.push({ atMs, minuteOfDay: m });
    atMs += stages[i]?.durationMs ?? 0;
  }
  return marks.length === minutes.length ? { marks } : null;
};

/** Minutes since midnight as "HH:MM" (whole minutes, floored; 24:00 and past wrap). */
export const clockText = (minuteOfDay: number): string => {
  const m = ((Math.floor(minuteOfDay) % 1440) + 1440) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
};

/** An editor's schema line (`# yaml-language-server: $schema=…`): a comment, but no part of a description. */
const EDITOR_LINE = /^\s*#\s*yaml-language-server:/;

/** The leading `#` comment block of a YAML file, without the `#`s (and without an editor's schema line). */
export const leadingComment = (text: string): string => {
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    if (EDITOR_LINE.test(line)) continue;
    if (/^\s*#/.test(line)) lines.push(line.replace(/^\s*# ?/, ''));
    else if (line.trim() === '' && lines.length === 0) continue;
    else break;
  }
  return lines.join('\n').trim();
};

/** Validates a parsed profile document; throws an InputError listing every problem. */
export const profileFromDoc = (doc: YamlDoc, fallbackName: string): Profile => {
  const c = createChecker(doc);
  const o = c.object([], doc.value, { required: ['stages'], optional: ['name', 'arrival', 'events', 'description', 'fit', 'demo', 'clock_end'] });
  const name = o?.name === undefined ? fallbackName : c.string(['name'], o.name, { nonEmpty: true });
  const arrival = o?.arrival === undefined ? 'poisson' : c.oneOf(['arrival'], o.arrival, ['poisson', 'constant'] as const);
  const stagesRaw = o ? c.list(['stages'], o.stages, { min: 1 }) : undefined;
  const stages = (stagesRaw ?? []).map((s, i) => parseStage(c, ['stages', i], s));
  const eventsRaw = o?.events === undefined ? [] : (c.list(['events'], o.events) ?? []);
  const events: ProfileEvent[] = [];
  eventsRaw.forEach((e, i) => {
    const eo = c.object(['events', i], e, { required: ['at', 'action'], optional: ['optional'] });
    if (!eo) return;
    const atMs = c.durationMs(['events', i, 'at'], eo.at);
    const action = c.string(['events', i, 'action'], eo.action, { nonEmpty: true });
    const optional = eo.optional === undefined ? false : c.boolean(['events', i, 'optional'], eo.optional);
    if (atMs !== undefined && action !== undefined && optional !== undefined) events.push({ atMs, action, optional });
  });
  const fit = o?.fit === undefined ? null : (c.map(['fit'], o.fit)) ?? null;
  const demo = o?.demo === undefined ? undefined : c.object(['demo'], o.demo, { required: ['peak_share'] });
  const demoPeakShare = demo === undefined ? null : c.number(['demo', 'peak_share'], demo.peak_share, { min: 0, max: 10, exclusiveMin: true }) ?? null;
  const clock = parseClock(c, stagesRaw ?? [], stages, o?.clock_end);
  const description = typeof o?.description === 'string' ? o.description : leadingComment(doc.text);
  const totalMs = stages.reduce((s, st) => s + (st?.durationMs ?? 0), 0);
  events.forEach((e, i) => {
    if (e.atMs > totalMs) c.problem(['events', i, 'at'], `is after the end of the profile (${totalMs / 1000}s)`);
  });
  c.done();
  return {
    name: name ?? fallbackName,
    file: null,
    description,
    arrival: arrival ?? 'poisson',
    stages: stages.filter((s): s is Stage => s !== undefined),
    events: events.sort((a, b) => a.atMs - b.atMs),
    fit,
    clock,
    demoPeakShare,
    applied: { speed: 1, rateScale: 1, durationLimitMs: null },
  };
};

/** Reads and validates a profile file. */
export const loadProfile = async (file: string): Promise<Profile> => {
  const doc = await readYamlFile(file);
  const base = file.split('/').pop()?.replace(/\.ya?ml$/, '') ?? 'profile';
  return { ...profileFromDoc(doc, base), file };
};

/** Parses profile YAML text (for tests and generated profiles). */
export const parseProfile = (text: string, file = '<profile>'): Profile =>
  profileFromDoc(parseYaml(text, file), file.split('/').pop()?.replace(/\.ya?ml$/, '') ?? 'profile');

/** Total length of the profile in ms. */
export const profileDurationMs = (p: Pick<Profile, 'stages'>): number => p.stages.reduce((s, st) => s + st.durationMs, 0);

/** Offered rate (requests/s) at `tMs` after the start; 0 outside the profile. */
export const rateAtRps = (p: Pick<Profile, 'stages'>, tMs: number): number => {
  if (tMs < 0) return 0;
  let start = 0;
  for (const st of p.stages) {
    if (tMs < start + st.durationMs) {
      if (st.kind === 'hold') return st.rateRps;
      return st.fromRps + ((st.toRps - st.fromRps) * (tMs - start)) / st.durationMs;
    }
    start += st.durationMs;
  }
  return 0;
};

/** Highest rate (requests/s) anywhere in the profile. */
export const peakRateRps = (p: Pick<Profile, 'stages'>): number =>
  p.stages.reduce((m, st) => Math.max(m, st.kind === 'hold' ? st.rateRps : Math.max(st.fromRps, st.toRps)), 0);

/** Expected number of arrivals in [fromMs, toMs): the integral of the rate curve. */
export const expectedArrivals = (p: Pick<Profile, 'stages'>, fromMs = 0, toMs = Infinity): number => {
  let start = 0;
  let total = 0;
  for (const st of p.stages) {
    const end = start + st.durationMs;
    const a = Math.max(fromMs, start);
    const b = Math.min(toMs, end);
    if (b > a) {
      const r = (t: number): number => rateAtRps({ stages: [st] }, t - start);
      // Linear within a stage: the trapezoid is exact. Use the stage's own end value at b === end.
      const rb = b === end ? (st.kind === 'hold' ? st.rateRps : st.toRps) : r(b);
      total += ((r(a) + rb) / 2) * ((b - a) / 1000);
    }
    start = end;
  }
  return total;
};

/**
 * Refuses a transformed profile no run could mean: a stage above MAX_RATE_RPS
 * (after `--rate-scale`) or a total above MAX_PROFILE_DURATION_MS (after
 * `--speed` and `--duration`). InputError naming the file, the stage and the flag.
 */
const checkTransformedBounds = (file: string | null, stages: Stage[], t: { speed: number; scale: number }): void => {
  const where = file ?? '<profile>';
  stages.forEach((st, i) => {
    const peak = st.kind === 'hold' ? st.rateRps : Math.max(st.fromRps, st.toRps);
    if (peak > MAX_RATE_RPS) {
      throw new InputError([{ file: where, line: null, field: `stages[${i}]`, message: `with --rate-scale ${t.scale} the rate reaches ${peak.toPrecision(3)} requests/s, above the limit of ${fmtInt(MAX_RATE_RPS)} requests/s` }], { hint: 'lower --rate-scale or the stage\'s rate' });
    }
  });
  const totalMs = profileDurationMs({ stages });
  if (!(totalMs <= MAX_PROFILE_DURATION_MS)) {
    const shown = Number.isFinite(totalMs) ? formatDurationMs(totalMs) : 'for ever';
    throw new InputError([{ file: where, line: null, field: 'stages', message: `with --speed ${t.speed} the profile lasts ${shown}, more than the limit of 30 days` }], { hint: 'raise --speed, cut it with --duration, or shorten the stages' });
  }
};

/**
 * Applies `--speed` (compresses time: durations and event times divide by it,
 * rates stay, docs/algorithms.md §3), `--rate-scale` (multiplies rates) and `--duration`
 * (truncates the compressed profile). Pure: returns a new profile.
 */
export const transformProfile = (
  p: Profile,
  opts: { speed?: number; rateScale?: number; durationLimitMs?: number | null },
): Profile => {
  const speed = opts.speed ?? TRANSFORM_DEFAULTS.speed;
  const scale = opts.rateScale ?? TRANSFORM_DEFAULTS.rateScale;
  if (!(speed > 0) || !(scale >= 0)) throw new RangeError('speed must be > 0 and rate scale >= 0');
  let stages: Stage[] = p.stages.map((st) =>
    st.kind === 'hold'
      ? { ...st, durationMs: st.durationMs / speed, rateRps: st.rateRps * scale }
      : { ...st, durationMs: st.durationMs / speed, fromRps: st.fromRps * scale, toRps: st.toRps * scale },
  );
  let events = p.events.map((e) => ({ ...e, atMs: e.atMs / speed }));
  const clock = p.clock === null ? null : { marks: p.clock.marks.map((m) => ({ ...m, atMs: m.atMs / speed })) };
  const limit = opts.durationLimitMs ?? null;
  if (limit !== null) {
    const cut: Stage[] = [];
    let start = 0;
    for (const st of stages) {
      if (start >= limit) break;
      const keep = Math.min(st.durationMs, limit - start);
      if (keep >= st.durationMs) cut.push(st);
      else if (st.kind === 'hold') cut.push({ ...st, durationMs: keep });
      else cut.push({ ...st, durationMs: keep, toRps: st.fromRps + ((st.toRps - st.fromRps) * keep) / st.durationMs });
      start += st.durationMs;
    }
    stages = cut;
    events = events.filter((e) => e.atMs <= limit);
  }
  checkTransformedBounds(p.file, stages, { speed, scale });
  return {
    ...p,
    stages,
    events,
    clock,
    applied: {
      speed: p.applied.speed * speed,
      rateScale: p.applied.rateScale * scale,
      durationLimitMs: limit ?? p.applied.durationLimitMs,
    },
  };
};

/**
 * Splits a profile's events by the actions a scenario defines: the events to
 * fire, and the optional ones it has no action for (to be skipped with a
 * note). Required events without an action stay in `fire`, for the caller's
 * check to reject.
 */
export const eventsForActions = (events: readonly ProfileEvent[], actionNames: readonly string[]): { fire: ProfileEvent[]; skipped: ProfileEvent[] } => {
  const fire: ProfileEvent[] = [];
  const skipped: ProfileEvent[] = [];
  for (const e of events) (e.optional && !actionNames.includes(e.action) ? skipped : fire).push(e);
  return { fire, skipped };
};
