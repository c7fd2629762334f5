/** The progress display: a redrawn bar on a TTY, plain throttled lines otherwise. */
import { describe, expect, it } from 'vitest';
import { progressLine, progressReporter } from '../../src/data/progress.js';
import type { Progress } from '../../src/data/write.js';

const at = (done: number, elapsedMs: number, extra: Partial<Progress> = {}): Progress => ({
  phase: 'rows', table: 'orders', tableRows: 1000, tableDone: done, rows: 2_000_000, done, elapsedMs, ...extra,
});

const fakeStream = (isTTY: boolean): { stream: NodeJS.WriteStream; out: string[] } => {
  const out: string[] = [];
  const stream = { isTTY, columns: 100, write: (s: string) => out.push(s) } as unknown as NodeJS.WriteStream;
  return { stream, out };
};

describe('progress', () => {
  it('shows rows, rate and ETA, with a bar when asked', () => {
    expect(progressLine(at(500_000, 1000))).toBe(' 25%  500,000/2,000,000 rows (orders)  500.0k rows/s  ETA 3s');
    expect(progressLine(at(1_000_000, 1000), 10)).toBe('[█████░░░░░]  50%  1,000,000/2,000,000 rows (orders)  1.00M rows/s  ETA 1s');
    expect(progressLine(at(0, 0))).toContain('ETA ?');
    expect(progressLine(at(2_000_000, 4000, { phase: 'finishing', message: 'building indexes' }))).toBe('building indexes…');
  });

  it('prints plain lines every interval and at each finishing step when not a TTY', () => {
    let now = 0;
    const { stream, out } = fakeStream(false);
    const report = progressReporter(stream, { intervalMs: 5000, now: () => now });
    for (now = 0; now <= 12_000; now += 500) report(at(now * 100, now));
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(/^generate: +25% +500,000\/2,000,000 rows \(orders\)/);
    report(at(2_000_000, now, { phase: 'finishing', message: 'building indexes' }));
    report(at(2_000_000, now, { phase: 'finishing', message: 'building indexes' }));
    report(at(2_000_000, now, { phase: 'done' }));
    expect(out.slice(2)).toEqual(['generate: building indexes…\n']);
  });

  it('redraws one line on a TTY and clears it at the end', () => {
    let now = 0;
    const { stream, out } = fakeStream(true);
    const report = progressReporter(stream, { now: () => now });
    report(at(0, 0));
    now = 50;
    report(at(1000, 50));
    now = 200;
    report(at(100_000, 200));
    report(at(2_000_000, 300, { phase: 'done' }));
    expect(out).toHaveLength(3);
    expect(out[0]?.startsWith('\r\x1b[2K[░')).toBe(true);
    expect(out[0]).toContain(']   0%  0/2,000,000');
    expect(out[1]?.startsWith('\r\x1b[2K[█')).toBe(true);
    expect(out[1]).toContain('░]   5%  100,000/2,000,000');
    expect(out[2]).toBe('\r\x1b[2K');
  });
});
