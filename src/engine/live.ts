/**
 * The live view: one line of numbers a second, fitted to a terminal's width.
 *
 * `formatLive` is pure: it picks the widest layout that fits `widthCols`.
 * Layouts, widest first:
 *   1. full labels, every field, and a progress bar of the planned duration
 *      when at least `BAR_MIN_COLS` columns are left over (and bars are on);
 *   2. full labels, every field;
 *   3. short labels (`off`, `ach`, `err`, `drop`, `infl`), every field;
 *   4. short labels, dropping fields from the least important up (`DROP_ORDER`):
 *      p50, then offered, achieved, p99, errors, in flight, dropped.
 * Elapsed/total is never dropped; a line that still does not fit is cut to
 * `widthCols` (only below about 16 columns).
 */
import { formatDurationMs, fmtMs } from '../core/duration.js';
import type { LiveStatus } from './live-totals.js';

const rps = (x: number): string => (x >= 100 ? String(Math.round(x)) : x.toFixed(1));

/** Fields of the line, in display order. */
type Field = 'offered' | 'achieved' | 'p50' | 'p99' | 'errors' | 'dropped' | 'inflight';
const FIELDS: readonly Field[] = ['offered', 'achieved', 'p50', 'p99', 'errors', 'dropped', 'inflight'];

/** Fields dropped when even the short labels do not fit, least important first. */
export const DROP_ORDER: readonly Field[] = ['p50', 'offered', 'achieved', 'p99', 'errors', 'inflight', 'dropped'];

/** Narrowest progress bar shown, in columns (brackets included). */
const BAR_MIN_COLS = 12;
/** Widest progress bar, in columns (brackets included). */
const BAR_MAX_COLS = 32;

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

const label = (s: LiveStatus, f: Field, short: boolean): Piece => {
  switch (f) {
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

const join = (pieces: readonly Piece[], sep: string): string => pieces.map((p) => p.text).join(sep);

/**
 * One line of live numbers (elapsed/total, offered/achieved rps, last-second
 * p50/p99, errors, dropped, in flight) of at most `widthCols` visible
 * columns: see the module comment for what is dropped or shortened first.
 */
export const formatLive = (s: LiveStatus, widthCols: number, opts: LiveOptions = {}): string => {
  const width = Math.max(1, Math.floor(widthCols));
  const time = `${formatDurationMs(Math.max(0, s.elapsedMs))}/${formatDurationMs(s.totalMs)}`;
  const red = opts.paint?.red ?? ((t: string): string => t);
  const paint = (pieces: readonly Piece[], sep: string): string => pieces.map((p) => (p.alarm ? red(p.text) : p.text)).join(sep);

  // 1 and 2: full labels (the elapsed time padded so the line does not jitter).
  const fullTime = `${formatDurationMs(Math.max(0, s.elapsedMs)).padStart(6)}/${formatDurationMs(s.totalMs)}`;
  const full: Piece[] = [{ text: fullTime, alarm: false }, ...FIELDS.map((f) => label(s, f, false))];
  const fullCols = join(full, '  ').length;
  if (fullCols <= width) {
    const spareCols = width - fullCols - 2;
    if (opts.progressBar !== false && spareCols >= BAR_MIN_COLS && s.totalMs > 0) {
      const bar = progressBar(s.elapsedMs / s.totalMs, Math.min(BAR_MAX_COLS, spareCols));
      const [head, ...rest] = full;
      return paint([head!, { text: bar, alarm: false }, ...rest], '  ');
    }
    return paint(full, '  ');
  }

  // 3 and 4: short labels, single spaces, dropping the least important fields until the line fits.
  const kept = new Set<Field>(FIELDS);
  const shortLine = (): Piece[] => [{ text: time, alarm: false }, ...FIELDS.filter((f) => kept.has(f)).map((f) => label(s, f, true))];
  for (const f of DROP_ORDER) {
    if (join(shortLine(), ' ').length <= width) break;
    kept.delete(f);
  }
  const pieces = shortLine();
  if (join(pieces, ' ').length <= width) return paint(pieces, ' ');
  return join(pieces, ' ').slice(0, width);
};
