/**
 * Apache/nginx Common and Combined Log Format:
 *
 *   host ident user [time] "request" status bytes                      (common)
 *   host ident user [time] "request" status bytes "referer" "agent"    (combined)
 *
 * Whatever follows the byte count (referer, agent, nginx's extra fields) is
 * ignored, so a line whose agent lost its closing quote (as in the shipped
 * real log) still parses. `\"` inside quotes is Apache's escape for a quote.
 */
import { bad, parseBytes, parseStatus, skip, splitRequestLine, type ParseOutcome } from './request-line.js';
import { parseClfTime } from './time.js';

const LINE = /^(\S+) (\S+) (.*?) \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}|-) (\d+|-)(?: |$)/;
const HAS_AGENT = /" (\d{3}|-) (\d+|-) "(?:[^"\\]|\\.)*" "/;

/** Parses one CLF line (common or combined). */
export const parseClfLine = (text: string, line: number): ParseOutcome => {
  const m = LINE.exec(text);
  if (!m) {
    if (!text.includes('[')) return bad('no [time]');
    if (!/\] "/.test(text)) return bad('no quoted request after [time]');
    return bad('not host ident user [time] "request" status bytes');
  }
  const time = parseClfTime(m[4] ?? '');
  if (time === null) return bad(`bad time [${m[4] ?? ''}]`);
  const status = parseStatus(m[6]);
  const bytes = parseBytes(m[7]);
  if (Number.isNaN(status) || Number.isNaN(bytes)) return bad('bad status or bytes');
  const req = splitRequestLine((m[5] ?? '').replace(/\\"/g, '"'));
  if ('skip' in req) return skip(req.skip);
  return {
    kind: 'record',
    record: { timeMs: time.timeMs, offsetMin: time.offsetMin, method: req.method, target: req.target, status, bytes, line },
  };
};

/** True when a line looks like CLF; `combined` when it carries referer and agent. */
export const sniffClf = (text: string): 'combined' | 'common' | null => {
  if (parseClfLine(text, 0).kind === 'bad') return null;
  return HAS_AGENT.test(text) ? 'combined' : 'common';
};
