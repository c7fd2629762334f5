/**
 * The terminal rendering: the verdict, a compact table per endpoint, the SLOs,
 * the breaks and the diagnosis, readable in 80 columns. Colours only when
 * asked (the CLI asks on a TTY with NO_COLOR unset). Returns a string.
 */
import type { Report } from '../analyze/index.js';
import { fmtMs, fmtS } from '../core/duration.js';
import { fmtInt, fmtPct, fmtRps } from '../core/numbers.js';
import { clip, hang, pad, paint, wrap, type Paint } from './format.js';
import { breakWhen } from './when.js';

export interface TerminalOptions {
  color?: boolean;
  /** Columns (default 80). */
  width?: number;
  /** Paths written, shown at the end. */
  files?: { label: string; path: string }[];
}

const statusPaint = (p: Paint, status: string): ((s: string) => string) =>
  status === 'fail' ? (s) => p.bold(p.red(s)) : status === 'degraded' ? (s) => p.bold(p.yellow(s)) : (s) => p.bold(p.green(s));

const endpointTable = (r: Report, p: Paint, width: number): string[] => {
  const nameW = Math.max(10, width - 62);
  const head = `${pad('endpoint', nameW)} ${pad('requests', 9, 'right')} ${pad('errors', 7, 'right')} ${pad('p50', 9, 'right')} ${pad('p95', 9, 'right')} ${pad('p99', 9, 'right')} ${pad('max', 9, 'right')}`;
  const row = (name: string, requests: number, errors: number, p50: number | null, p95: number | null, p99: number | null, max: number | null, bold = false): string => {
    const errText = errors === 0 ? '0' : fmtPct(errors / Math.max(1, requests));
    const line = `${pad(clip(name, nameW), nameW)} ${pad(fmtInt(requests), 9, 'right')} ${pad(errors > 0 ? p.red(errText) : errText, 7, 'right')} ${pad(fmtMs(p50), 9, 'right')} ${pad(fmtMs(p95), 9, 'right')} ${pad(fmtMs(p99), 9, 'right')} ${pad(fmtMs(max), 9, 'right')}`;
    return bold ? p.bold(line) : line;
  };
  const s = r.summary;
  const lines = [p.dim(head), ...r.endpoints.map((e) => row(e.name, e.requests, e.errors, e.p50_ms, e.p95_ms, e.p99_ms, e.max_ms))];
  if (r.endpoints.length > 1) {
    lines.push(row('all', s.requests, s.errors, s.p50_ms as number | null, s.p95_ms as number | null, s.p99_ms as number | null, s.max_ms as number | null, true));
  }
  return lines;
};

/** ` (N aborted at the stop)` when requests were given up at a stop, else ''. */
const abortedText = (s: Report['summary']): string =>
  s.aborted !== undefined && s.aborted > 0 ? ` (${fmtInt(s.aborted)} aborted at the stop)` : '';

/** Renders a report for a terminal. */
export const renderTerminal = (r: Report, opts: TerminalOptions = {}): string => {
  const width = Math.max(60, opts.width ?? 80);
  const p = paint(opts.color ?? false);
  const out: string[] = [];
  const title = `prodshape report: ${r.scenario ?? '?'} × ${r.profile ?? '?'}${r.target ? ` → ${r.target}` : ''}`;
  out.push(p.bold(clip(title, width)));
  const verdict = r.verdict;
  out.push(...wrap(verdict.text, width, '  ').map((l, i) => (i === 0 ? statusPaint(p, verdict.status)(l) : l)));
  for (const n of verdict.notes) out.push(...hang('note: ', n, width).map((l) => p.yellow(l)));
  out.push('');
  const s = r.summary;
  out.push(...wrap(
    `${fmtS(s.duration_s)}${r.profile_clock === undefined ? '' : ` (${r.profile_clock})`}${s.interrupted === true ? ' (stopped early)' : ''} · ${fmtInt(s.requests)} requests · ${s.errors} errors${abortedText(s)} · ${s.dropped} dropped · offered ${fmtRps(s.offered_rps)} · achieved ${fmtRps(s.achieved_rps)}`,
    width, '  ',
  ));
  out.push('');
  out.push(...endpointTable(r, p, width));

  if (r.slo.length > 0) {
    out.push('', p.bold('SLOs'));
    const specW = Math.min(28, Math.max(...r.slo.map((x) => x.spec.length)));
    for (const x of r.slo) {
      const mark = x.pass ? p.green('pass') : p.red('FAIL');
      out.push(...hang(`  ${mark} ${pad(clip(x.spec, specW), specW)}  `, x.message, width));
    }
  }

  out.push('', p.bold(`Breaks (${r.breaks.length})`));
  if (r.breaks.length === 0) out.push('  none: no endpoint broke under this load');
  r.breaks.forEach((b, i) => {
    const head = [`${i + 1}. ${b.kind}`, b.endpoint ?? 'all endpoints', breakWhen(b), b.offered_rps ? fmtRps(b.offered_rps) : null]
      .filter((x) => x !== null).join(' · ');
    out.push(`  ${p.bold(p.red(head))}`);
    out.push(...hang('     ', b.summary, width));
  });

  out.push('', p.bold('Diagnosis'));
  for (const d of r.diagnosis) {
    const status = d.status === 'found' ? p.red('found') : d.status === 'nothing' ? p.green('nothing') : p.dim('not observed');
    out.push(`  ${d.step}. ${d.title}: ${status}`);
    const text = d.status === 'not-observed' && d.how_to_enable ? `${d.summary} To enable: ${d.how_to_enable}.` : d.summary;
    out.push(...hang('     ', text, width).map((l) => p.dim(l)));
  }
  if (opts.files && opts.files.length > 0) {
    out.push('');
    for (const f of opts.files) out.push(`${f.label}: ${f.path}`);
  }
  return out.join('\n');
};
