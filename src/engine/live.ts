/**
 * The live view: one line of numbers a second, fitted to a terminal's width.
 *
 * `formatLive` is pure: it picks the widest layout that fits `widthCols`.
 * The line reads: elapsed/total, where the profile is (`09:12 · nine-am-ramp
 * 3/6`: its clock and stage, when the status carries them), a progress bar of
 * the planned duration, then the numbers. Layouts, widest first:
 *   1. full labels, every field, and the bar when at least `BAR_MIN_COLS`
 *      columns are left over (and bars are on);
 *   2. short labels (`off`, `ach`, `err`, `drop`, `infl`), every field, the bar
 *      counted at its narrowest;
 *   3. short labels, dropping pieces from the least important up
 *      (`DROP_ORDER`): p50, offered, achieved, the bar, the stage, p99,
 *      errors, the clock, in flight, dropped. The bar takes the columns left
 *      (up to `BAR_MAX_COLS`).
 * Elapsed/total is never dropped; a line that still does not fit is cut to
 * `widthCols` (only below about 16 columns).
 */
import { formatDurationMs, fmtMs } from '../core/duration.js';
import type { LiveStatus } from './live-totals.js';

const rps = (x: number): string => (x >= 100 ? String(Math.round(x)) : x.toFixed(1));

/** Pieces of the line after elapsed/total, in display order. */
type Field = 'clock' | 'stage' | 'bar' | 'offered' | 'achieved' | 'p50' | 'p99' | 'errors' | 'dropped' | 'inflight';
const FIELDS: readonly Field[] = ['clock', 'stage', 'bar', 'offered', 'achieved', 'p50', 'p99', 'errors', 'dropped', 'inflight'];

/** Pieces dropped when the short labels do not fit, least important first. */
export const DROP_ORDER: readonly Field[] = ['p50', 'offered', 'achieved', 'bar', 'stage', 'p99', 'errors', 'clock', 'inflight', 'dropped'];

/** Narrowest progress bar shown, in columns (brackets included). */
const BAR_MIN_COLS = 12;
/** Widest progress bar, in columns (brackets included). */
const BAR_MAX_COLS = 32;
/** Longest stage name shown, in columns (longer ones are cut with an ellipsis). */
const STAGE_NAME_MAX_COLS = 16;

/** Colours of the counts that signal trouble (errors, dropped) when non-zero; identity when colours are off. */
export interface LivePaint { red: (s: string) => string }

export interface LiveOptions {
  /** Show a progress bar of the planned duration when it fits [true]. */
  progressBar?: boolean;
  /** Colours [none]. Escape codes are not counted in the width. */
  paint?: LivePaint;
}

/** One piece of a line: its plain text, and whether it is painted red. */
interface Piece { text: string; alarm: boolean }

/** A latency in ms as `fmtMs` writes it; short: without the space before the unit (`44ms`). */
const latency = (ms: number | null, short: boolean): string => (short ? fmtMs(ms).replace(' ', '') : fmtMs(ms));

/** `nine-am-ramp 3/6` (`stage 3/6` when unnamed). */
const stageText = (st: NonNullable<LiveStatus['stage']>): string => {
  const name = st.name ?? 'stage';
  const cut = name.length > STAGE_NAME_MAX_COLS ? `${name.slice(0, STAGE_NAME_MAX_COLS - 1)}…` : name;
  return `${cut} ${st.index}/${st.count}`;
};

/** A piece's text, or null when the status has nothing for it (no stage, no clock; the bar is laid out later). */
const label = (s: LiveStatus, f: Field, short: boolean): Piece | null => {
  switch (f) {
    case 'clock': return s.clock ? { text: s.clock, alarm: false } : null;
    case 'stage': return s.stage ? { text: stageText(s.stage), alarm: false } : null;
    case 'bar': return null;
    case 'offered': return { text: `${short ? 'off' : 'offered'} ${rps(s.offeredRps)}/s`, alarm: false };
    case 'achieved': return { text: `${short ? 'ach' : 'achieved'} ${rps(s.achievedRps)}/s`, alarm: false };
    case 'p50': return { text: `p50 ${latency(s.p50Ms, short)}`, alarm: false };
    case 'p99': return { text: `p99 ${latency(s.p99Ms, short)}`, alarm: false };
    case 'errors': return { text: `${short ? 'err' : 'errors'} ${s.errors}`, alarm: s.errors > 0 };
    case 'dropped': return { text: `${short ? 'drop' : 'dropped'} ${s.dropped}`, alarm: s.dropped > 0 };
    case 'inflight': return { text: `${short ? 'infl' : 'in flight'} ${s.inflight}`, alarm: false };
  }
};

/** A progress bar `[####----]` of `cols` columns (brackets included) for a fraction in [0, 1]. */
export const progressBar = (fraction: number, cols: number): string => {
  const inner = Math.max(0, cols - 2);
  const done = Math.round(Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0)) * inner);
  return `[${'#'.repeat(done)}${'-'.repeat(inner - done)}]`;
};

/** A line laid out: the pieces before the bar, the bar's place, the pieces after it, with one separator. */
interface Layout { head: Piece[]; tail: Piece[]; bar: boolean; sep: string }

/** Visible columns of a layout, the bar counted at `barCols`. */
const layoutCols = (l: Layout, barCols: number): number => {
  const texts = [...l.head, ...l.tail].map((p) => p.text);
  const n = texts.length + (l.bar ? 1 : 0);
  return texts.reduce((a, t) => a + t.length, 0) + (l.bar ? barCols : 0) + Math.max(0, n - 1) * l.sep.length;
};

/** The layout of the kept pieces: the clock (and stage, with ` · ` between them) first after the time, then the bar, then the numbers. */
const layout = (s: LiveStatus, time: string, kept: ReadonlySet<Field>, short: boolean, sep: string): Layout => {
  const pieces = (fs: readonly Field[]): Piece[] => fs.filter((f) => kept.has(f)).flatMap((f) => label(s, f, short) ?? []);
  const where = pieces(['clock', 'stage']);
  const head: Piece[] = [{ text: time, alarm: false }, ...(where.length > 0 ? [{ text: where.map((p) => p.text).join(' · '), alarm: false }] : [])];
  return { head, tail: pieces(FIELDS.filter((f) => f !== 'clock' && f !== 'stage' && f !== 'bar')), bar: kept.has('bar'), sep };
};

/**
 * When a view that is not a terminal prints its line: the first status in each
 * block of `everyMs` of elapsed time after the first (5 s: at 5 s, 10 s, 15 s…).
 * Counting statuses instead would let the lines slip off the grid: a second
 * whose tick found no new numbers yields no status, and a tick more than a
 * second late skips a second. Returns a gate to call with each status's
 * `elapsedMs` (whole seconds, rising); true means print this one.
 */
export const everyBlockOf = (everyMs: number): ((elapsedMs: number) => boolean) => {
  let lastBlock = 0;
  return (elapsedMs) => {
    const block = Math.floor(elapsedMs / everyMs);
    if (block <= lastBlock) return false;
    lastBlock = block;
    return true;
  };
};

/**
 * One line of live numbers (elapsed/total, the profile's clock and stage,
 * a progress bar, offered/achieved rps, last-second p50/p99, errors, dropped,
 * in flight) of at most `widthCols` visible columns: see the module comment
 * for what is dropped or shortened first.
 */
export const formatLive = (s: LiveStatus, widthCols: number, opts: LiveOptions = {}): string => {
  const width = Math.max(1, Math.floor(widthCols));
  const red = opts.paint?.red ?? ((t: string): string => t);
  const barOn = opts.progressBar !== false && s.totalMs > 0;
  const render = (l: Layout, barCols: number): string => {
    const bar: Piece[] = l.bar && barOn && barCols >= BAR_MIN_COLS ? [{ text: progressBar(s.elapsedMs / s.totalMs, barCols), alarm: false }] : [];
    return [...l.head, ...bar, ...l.tail].map((p) => (p.alarm ? red(p.text) : p.text)).join(l.sep);
  };
  const all = new Set<Field>(FIELDS);

  // 1: full labels (the elapsed time padded so the line does not jitter), the bar only in the room left over.
  const fullTime = `${formatDurationMs(Math.max(0, s.elapsedMs)).padStart(6)}/${formatDurationMs(s.totalMs)}`;
  const full = layout(s, fullTime, all, false, '  ');
  const fullCols = layoutCols({ ...full, bar: false }, 0);
  if (fullCols <= width) return render(full, Math.min(BAR_MAX_COLS, width - fullCols - 2));

  // 2 and 3: short labels, single spaces, dropping the least important pieces until the line (with a bar at its narrowest) fits.
  const time = `${formatDurationMs(Math.max(0, s.elapsedMs))}/${formatDurationMs(s.totalMs)}`;
  const kept = new Set<Field>(barOn ? FIELDS : FIELDS.filter((f) => f !== 'bar'));
  const fits = (): boolean => layoutCols(layout(s, time, kept, true, ' '), BAR_MIN_COLS) <= width;
  for (const f of DROP_ORDER) {
    if (fits()) break;
    kept.delete(f);
  }
  const short = layout(s, time, kept, true, ' ');
  const line = render(short, Math.min(BAR_MAX_COLS, width - layoutCols({ ...short, bar: false }, 0) - 1));
  if (layoutCols(short, BAR_MIN_COLS) <= width) return line;
  return [...short.head, ...short.tail].map((p) => p.text).join(' ').slice(0, width);
};
