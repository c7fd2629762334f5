/** The live view: one line a second on a TTY (rewritten in place), plain lines otherwise. */
import { formatDurationMs, formatLatencyMs } from '../core/duration.js';
import type { LiveStatus } from './run.js';

const rps = (x: number): string => (x >= 100 ? String(Math.round(x)) : x.toFixed(1));

/** One line of live numbers: elapsed/total, offered/achieved rps, last-second p50/p99, errors, dropped, in flight. */
export const formatLive = (s: LiveStatus): string =>
  `${formatDurationMs(Math.max(0, s.elapsedMs)).padStart(6)}/${formatDurationMs(s.totalMs)}` +
  `  offered ${rps(s.offeredRps)}/s  achieved ${rps(s.achievedRps)}/s` +
  `  p50 ${formatLatencyMs(s.p50Ms)}  p99 ${formatLatencyMs(s.p99Ms)}` +
  `  errors ${s.errors}  dropped ${s.dropped}  in flight ${s.inflight}`;
