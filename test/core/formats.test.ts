/**
 * One formatter per form (docs/design.md, "Formatters"): every form a person
 * reads is pinned here by one table of cases, and the report page's copy of
 * the legend formatters (generated from the same source, src/report/html-client.ts)
 * is run on the same table in a fresh global context, as the browser runs it.
 */
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { fmtMs, fmtS, formatDurationMs, formatExactDurationMs, parseDurationMs } from '../../src/core/duration.js';
import { fmtCount, fmtCountFixed, fmtInt, fmtPct, fmtPlotted, fmtRps, fmtX } from '../../src/core/numbers.js';
import { formatK6Duration } from '../../src/k6/stages.js';
import { CLIENT_FORMATTERS, CLIENT_JS } from '../../src/report/html-client.js';

/** form -> [input, text] */
const FORMS = {
  // A latency: tables, sentences, the report's legends.
  fmtMs: [[0.844, '0.84 ms'], [6, '6.00 ms'], [41.4, '41 ms'], [2100, '2.10 s'], [12_540, '12.5 s'], [null, '-']],
  // An offset into a run.
  fmtS: [[4.52, '4.5 s'], [45, '45 s'], [119.6, '120 s'], [125, '2m05s'], [null, '-']],
  // How long something took or will take.
  formatDurationMs: [[850, '850ms'], [12_500, '12.5s'], [200_000, '3m20s'], [3_900_000, '1h05m'], [300_060_000, '3d 11h']],
  // A duration files, flags and k6 (Go) read back exactly.
  formatExactDurationMs: [[0, '0s'], [850, '850ms'], [45_000, '45s'], [120_000, '2m'], [5_400_000, '1h30m'], [90_500, '1m30s500ms'], [8571.43, '8s571ms'], [172_800_000, '48h']],
  fmtInt: [[12_345.4, '12,345'], [0, '0']],
  fmtPct: [[0.042, '4.2%'], [0.0035, '0.35%'], [null, '-']],
  fmtRps: [[380.4, '380 rps'], [12.52, '12.5 rps'], [null, '-']],
  fmtX: [[8.14, '8.1x'], [12.4, '12x'], [Infinity, '-']],
  // A count in few characters; and on a line that redraws (progress), fixed decimals.
  fmtCount: [[1_234_567, '1.2M'], [45_300, '45k'], [812, '812'], [null, '?']],
  fmtCountFixed: [[812.4, '812'], [500_000, '500.0k'], [1_250_000, '1.25M']],
  // A plotted value in a legend, unit other than ms and rps.
  fmtPlotted: [[832.5, '833'], [41.23, '41.2'], [2.345, '2.35'], [-0.5, '-0.50']],
} as const;

const FUNCTIONS: Record<keyof typeof FORMS, (x: never) => string> = {
  fmtMs, fmtS, formatDurationMs, formatExactDurationMs, fmtInt, fmtPct, fmtRps, fmtX, fmtCount, fmtCountFixed, fmtPlotted,
};

describe('one formatter per form', () => {
  for (const [name, cases] of Object.entries(FORMS)) {
    it(`${name}: ${cases.map((c) => c[1]).join(', ')}`, () => {
      const f = FUNCTIONS[name as keyof typeof FORMS] as (x: unknown) => string;
      expect(cases.map(([x]) => f(x))).toEqual(cases.map(([, text]) => text));
    });
  }

  it('the exact form reads back exactly, and is the k6 (Go) duration', () => {
    for (const [ms] of FORMS.formatExactDurationMs) {
      const text = formatExactDurationMs(ms);
      expect(parseDurationMs(text)).toBe(Math.round(ms));
      // Go's time.ParseDuration: one or more number+unit pairs, units h, m, s, ms.
      expect(text).toMatch(/^(\d+(h|m|s|ms))+$/);
      expect(formatK6Duration(ms)).toBe(text);
    }
  });

  it("the report page's legend formatters are generated from these, and give the same texts", () => {
    expect(CLIENT_JS).toContain(CLIENT_FORMATTERS);
    // As the browser runs it: a global scope of its own (no Node.js, nothing imported).
    const legendValue = runInNewContext(`${CLIENT_FORMATTERS}\nlegendValue;`) as (v: number | null, unit: string) => string;
    for (const [v, text] of FORMS.fmtMs) expect(legendValue(v, 'ms')).toBe(text);
    for (const [v, text] of FORMS.fmtRps) expect(legendValue(v, 'rps')).toBe(text);
    for (const [v, text] of FORMS.fmtPlotted) expect(legendValue(v, 'errors/s')).toBe(`${text} errors/s`);
    expect(legendValue(null, 'conn')).toBe('-');
  });
});
