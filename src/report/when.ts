/** When things happened, in the renderings' words: run seconds, with the profile clock when report.json carries it. */
import { CLOCK_FIELDS, fmtAtClock, type Report } from '../analyze/index.js';

/**
 * When a break starts and, for a stretch, ends: `at 95 s (09:12)`, then
 * `until 140 s (09:40)` (saturation, its recovery), `to 130 s (09:30)` (a
 * cold window, an error burst); the clock from report.json when it has one.
 */
export const breakWhen = (b: Report['breaks'][number]): string => {
  if (b.t_s === null) return 'whole run';
  const at = `at ${fmtAtClock(b.t_s, b.clock)}`;
  const ev = b.evidence as unknown as Record<string, unknown>;
  const end = (key: 'until_s' | 'end_s', word: string): string => {
    const s = ev[key];
    const clock = ev[CLOCK_FIELDS[key] ?? ''];
    return typeof s === 'number' ? ` ${word} ${fmtAtClock(s, typeof clock === 'string' ? clock : null)}` : '';
  };
  if (b.kind === 'saturation') return at + end('until_s', 'until');
  if (b.kind === 'cold-cache' || b.kind === 'errors') return at + end('end_s', 'to');
  return at;
};
