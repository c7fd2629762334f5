/** The short printed summary of a fit: requests, span, rates, daily shape, top endpoints, fitted s, warnings. */
import { roundSig } from '../../core/round.js';
import { pText } from './stats.js';
import type { FitResult } from './fit.js';
import { localTime, offsetText } from './write.js';
import { formatDurationMs, formatExactDurationMs as yamlDuration } from '../../core/duration.js';
import { fmtInt, fmtPct } from '../../core/numbers.js';

const num = fmtInt;
const rps = (x: number): string => `${roundSig(x, 3)} req/s`;

/** Summary lines for people (no trailing newline). `topN` endpoints are listed (default 8). */
export const formatFitSummary = (f: FitResult, topN = 8): string => {
  const L: string[] = [];
  const skipped = Object.values(f.filtered).reduce((a, b) => a + b, 0);
  const unrepl = Object.values(f.log.unreplayable).reduce((a, b) => a + b, 0);
  L.push(`Fitted ${f.file} (${f.log.format}): ${num(f.requests)} request${f.requests === 1 ? '' : 's'}` +
    `${f.log.malformed > 0 ? `, ${num(f.log.malformed)} malformed lines (first at line ${f.log.malformedSamples.map((s) => s.line).join(', ')})` : ', no malformed lines'}` +
    `${skipped > 0 ? `, ${num(skipped)} filtered out` : ''}${unrepl > 0 ? `, ${num(unrepl)} without a request` : ''}`);
  L.push(`  span       ${localTime(f.firstMs, f.offsetMin)} → ${localTime(f.lastMs, f.offsetMin)} (${offsetText(f.offsetMin)}), ${formatDurationMs(f.lastMs - f.firstMs)}`);
  L.push(`  rate       mean ${rps(f.meanRps)}, peak ${rps(f.peakRps)} (${(f.meanRps > 0 ? f.peakRps / f.meanRps : 0).toFixed(2)}x mean) in ${yamlDuration(f.curve.intervalS * 1000)} intervals`);
  L.push(`  profile    ${f.stages.length} stage${f.stages.length === 1 ? '' : 's'}${f.shape === 'day' ? ' (one average day)' : ''}` +
    `, within ${fmtPct(f.stagesError, 1)} RMS of the ${f.shape === 'day' ? 'daily shape' : 'curve'}` +
    `${f.stagesCorrelation === null ? '' : ` (correlation ${f.stagesCorrelation.toFixed(3)})`}`);
  const d = f.daily;
  if (d !== null) {
    const hh = (h: number): string => `${String(h).padStart(2, '0')}h`;
    L.push(`  daily      ${d.cycle ? 'cycle' : 'no cycle'}: peak ${hh(d.peakHour)} ${rps(d.hourlyRps[d.peakHour] ?? 0)}, trough ${hh(d.troughHour)} ${rps(d.hourlyRps[d.troughHour] ?? 0)}` +
      ` (${d.peakToTrough.toFixed(2)}x; chi-square p ${pText(d.pValue)}${d.dayCorrelation === null ? '' : `, days agree at r = ${d.dayCorrelation.toFixed(2)}`})`);
  } else {
    L.push('  daily      (the log spans less than a day)');
  }
  const e = f.endpoints;
  L.push(`  endpoints  ${num(e.templates.length)} template${e.templates.length === 1 ? '' : 's'}; most requested:`);
  for (const t of e.templates.slice(0, topN)) {
    L.push(`  ${(100 * t.share).toFixed(1).padStart(9)}%  ${t.method} ${t.template}`);
  }
  const z = f.zipf;
  if (z !== null) {
    const what = z.basis === 'tenant' ? 'tenant popularity' : z.basis === 'id' ? `{${z.placeholder}} popularity in ${z.endpoint ?? ''}` : 'path popularity (no ids in paths)';
    L.push(`  zipf       s = ${z.fit.s.toFixed(2)} over ${what}: ${num(z.fit.ids)} ids, top id ${fmtPct(z.fit.topShare, 1)} of requests;` +
      ` KS ${z.fit.ks.toFixed(3)}, R² ${z.fit.r2.toFixed(2)} (${z.fit.quality} fit)`);
  } else {
    L.push('  zipf       too few requests per id to fit an exponent');
  }
  for (const w of f.warnings) L.push(`  note       ${w}`);
  return L.join('\n');
};
