/**
 * Progress display for generation: a redrawn bar on a TTY, plain lines
 * (every few seconds and at each step) otherwise. The formatting is pure; the
 * reporter owns only the throttling and the stream.
 */
import type { Progress } from './write.js';
import { formatDurationMs } from '../core/duration.js';
import { fmtCountFixed, fmtInt } from '../core/numbers.js';
import { monotonicClock } from '../core/clock.js';

/** `850`, `12.3k`, `1.25M` rows per second. */

/** `3s`, `2m05s`: whole seconds, rounded up; `?` when unknown. */
const formatEta = (s: number): string => (Number.isFinite(s) ? formatDurationMs(Math.ceil(s) * 1000) : '?');

/** One progress line; `width` > 0 draws a bar of that many cells. */
export const progressLine = (p: Progress, width = 0): string => {
  if (p.phase === 'finishing') return `${p.message ?? 'finishing'}…`;
  const frac = p.rows === 0 ? 1 : p.done / p.rows;
  const rate = p.elapsedMs > 0 ? (p.done / p.elapsedMs) * 1000 : 0;
  const eta = rate > 0 ? (p.rows - p.done) / rate : Infinity;
  const filled = Math.round(frac * width);
  const bar = width > 0 ? `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ` : '';
  return `${bar}${String(Math.floor(frac * 100)).padStart(3)}%  ${fmtInt(p.done)}/${fmtInt(p.rows)} rows (${p.table})  ${fmtCountFixed(rate)} rows/s  ETA ${formatEta(eta)}`;
};

/** A progress callback drawing on `stream` (a bar when it is a TTY, lines every `intervalMs` otherwise). */
export const progressReporter = (stream: NodeJS.WriteStream, opts: { intervalMs?: number; now?: () => number } = {}): ((p: Progress) => void) => {
  const tty = Boolean(stream.isTTY);
  const now = opts.now ?? (() => monotonicClock.nowMs());
  const interval = opts.intervalMs ?? (tty ? 100 : 5000);
  // A TTY bar draws at once; plain lines start after the first interval (short runs print none).
  let last = tty ? -Infinity : now();
  let lastMessage = '';
  let drawn = false;
  return (p) => {
    const t = now();
    if (p.phase === 'done') {
      if (tty && drawn) stream.write('\r\x1b[2K');
      return;
    }
    const step = p.phase === 'finishing' && p.message !== lastMessage;
    if (!step && t - last < interval) return;
    last = t;
    if (p.message !== undefined) lastMessage = p.message;
    if (tty) {
      const cols = stream.columns || 80;
      stream.write(`\r\x1b[2K${progressLine(p, Math.max(0, Math.min(30, cols - 70))).slice(0, cols - 1)}`);
      drawn = true;
    } else stream.write(`generate: ${progressLine(p)}\n`);
  };
};
