/** Terminal rendering of `prodshape compare A B`: per-endpoint percentile deltas, new and resolved breaks, SLO changes. */
import type { Comparison, PercentileDelta } from '../analyze/index.js';
import { breakLabel } from '../analyze/index.js';
import { fmtMs } from '../core/duration.js';
import { fmtInt, fmtPct, fmtRps } from '../core/numbers.js';
import { clip, hang, pad, paint, type Paint } from './format.js';

const change = (d: PercentileDelta, p: Paint): string => {
  if (d.change === null || d.delta_ms === null) return '';
  const pct = `${d.change >= 0 ? '+' : ''}${Math.round(d.change * 100)}%`;
  return d.change > 0.1 ? p.red(pct) : d.change < -0.1 ? p.green(pct) : p.dim(pct);
};

/** Renders a comparison for a terminal (80 columns by default). */
export const renderComparison = (c: Comparison, opts: { color?: boolean; width?: number } = {}): string => {
  const width = Math.max(60, opts.width ?? 80);
  const p = paint(opts.color ?? false);
  const out: string[] = [];
  out.push(p.bold(clip(`prodshape compare: A = ${c.a.label}  B = ${c.b.label}`, width)));
  out.push(...hang('', c.text, width).map((l, i) => (i === 0 ? (c.regressed ? p.bold(p.red(l)) : p.bold(p.green(l))) : l)));
  for (const w of c.warnings) out.push(...hang('warning: ', w, width).map((l) => p.yellow(l)));
  out.push('');
  const o = c.overall;
  out.push(`offered ${fmtRps(o.offered_rps[0])} → ${fmtRps(o.offered_rps[1])} · achieved ${fmtRps(o.achieved_rps[0])} → ${fmtRps(o.achieved_rps[1])} · errors ${fmtPct(o.error_rate[0])} → ${fmtPct(o.error_rate[1])}`);
  out.push('');
  const nameW = Math.max(10, width - 68);
  out.push(p.dim(`${pad('endpoint', nameW)} ${pad('requests A/B', 13, 'right')} ${pad('p50 A → B', 18, 'right')} ${pad('p99 A → B', 18, 'right')} ${pad('p99', 6, 'right')}  `));
  for (const e of c.endpoints) {
    const req = `${fmtInt(e.requests.a)}/${fmtInt(e.requests.b)}`;
    const p50 = `${fmtMs(e.p50.a)} → ${fmtMs(e.p50.b)}`;
    const p99 = `${fmtMs(e.p99.a)} → ${fmtMs(e.p99.b)}`;
    const tag = e.verdict === 'slower' ? p.red('slower') : e.verdict === 'faster' ? p.green('faster') : e.in !== 'both' ? p.yellow(`only ${e.in.toUpperCase()}`) : '';
    out.push(`${pad(clip(e.name, nameW), nameW)} ${pad(req, 13, 'right')} ${pad(p50, 18, 'right')} ${pad(p99, 18, 'right')} ${pad(change(e.p99, p), 6, 'right')}  ${tag}`);
  }
  if (c.slo.length > 0) {
    out.push('', p.bold('SLOs (A → B)'));
    const word = (x: boolean | null): string => (x === null ? '-' : x ? p.green('pass') : p.red('FAIL'));
    for (const s of c.slo) out.push(`  ${pad(clip(s.spec, 30), 30)} ${word(s.a)} → ${word(s.b)}`);
  }
  out.push('', p.bold(`New breaks in B (${c.new_breaks.length})`));
  if (c.new_breaks.length === 0) out.push('  none');
  for (const b of c.new_breaks) out.push(...hang(`  ${p.red('+')} `, `${breakLabel(b)}: ${b.summary}`, width));
  if (c.resolved_breaks.length > 0) {
    out.push('', p.bold(`Gone in B (${c.resolved_breaks.length})`));
    for (const b of c.resolved_breaks) out.push(...hang(`  ${p.green('-')} `, breakLabel(b), width));
  }
  if (c.persisting_breaks.length > 0) {
    out.push('', p.bold(`In both (${c.persisting_breaks.length})`));
    for (const b of c.persisting_breaks) out.push(...hang('  = ', b.a === b.b ? (b.b ?? '') : `${b.a ?? ''} → ${b.b ?? ''}`, width));
  }
  return out.join('\n');
};
