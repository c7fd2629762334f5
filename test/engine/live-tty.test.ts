/**
 * The live view in a real pseudo-terminal of 80 columns: the built CLI runs
 * under `script` (util-linux), which gives it a TTY; `stty cols 80` sets the
 * width the CLI reads. Every frame (the text between `\r`s and `\n`s, escape
 * codes removed) must fit in 80 columns, and the last live frames still show
 * dropped and in flight. With a profile that has a clock and named stages,
 * the frames name them and draw the bar; `--no-color`, NO_COLOR and
 * FORCE_COLOR=0 leave no colour codes, a TTY alone gets them.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt, runBounded } from '../helpers/cli.js';
import { startServer, type TestServer } from './servers.js';

const hasScript = ((): boolean => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const requireDeps = process.env.PRODSHAPE_REQUIRE_TEST_DEPS === '1';

/** Quotes one word for sh. */
const sh = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

/** Escape sequences (CSI, e.g. colours and clear to end of line). */
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

let srv: TestServer;
let dir: string;

beforeAll(async () => {
  ensureBuilt();
  srv = await startServer();
  dir = mkdtempSync(join(tmpdir(), 'ps-tty-'));
  writeFileSync(join(dir, 's.yaml'), 'name: tty\nendpoints:\n  - { name: health, weight: 1, path: /health }\n');
  writeFileSync(join(dir, 'p.yaml'), 'stages:\n  - { duration: 6s, rate: 10 }\n');
  // A short flat profile with a clock: 4 s at 10/s, two named stages standing for 09:00–10:00.
  writeFileSync(join(dir, 'clock.yaml'), [
    'stages:',
    '  - { name: first-half, clock: "09:00", duration: 2s, rate: 10 }',
    '  - { name: second-half-of-the-hour, clock: "09:30", duration: 2s, rate: 10 }',
    'clock_end: "10:00"',
    '',
  ].join('\n'));
}, 120_000);
afterAll(async () => srv?.close());

describe('prodshape replay live view in an 80-column terminal', () => {
  it.skipIf(!hasScript && !requireDeps)('redraws one line in place that never exceeds 80 columns, dropped and in flight included', async () => {
    const replay = [process.execPath, CLI, 'replay', '--scenario', join(dir, 's.yaml'), '--profile', join(dir, 'p.yaml'), '--target', srv.url, '--duration', '6s', '--out', join(dir, 'r')];
    const inner = `stty cols 80 rows 24; exec ${replay.map(sh).join(' ')}`;
    const r = await runBounded('script', ['-qfec', inner, '/dev/null'], { timeoutMs: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const frames = r.stdout.split(/[\r\n]/).map((f) => f.replace(ANSI, '')).filter((f) => f.length > 0);
    for (const f of frames) expect([...f].length, f).toBeLessThanOrEqual(80);
    // The live frames: redrawn in place (each begins with \r and clear to end of line).
    expect(r.stdout).toContain('\r\u001b[K');
    const live = frames.filter((f) => /^\d+(\.\d)?s\/6s /.test(f));
    expect(live.length, r.stdout).toBeGreaterThanOrEqual(3);
    for (const f of live.slice(-2)) {
      expect(f).toMatch(/\bdrop(ped)? \d+/);
      expect(f).toMatch(/\b(infl|in flight) \d+/);
    }
    // The report follows the live view, which was cleared.
    expect(r.stdout).toContain('run directory:');
  }, 40_000);

  /** The clock profile's replay in the 80-column pty; everything the terminal received. The colour variables `env` does not set are unset. */
  const clockReplay = async (name: string, extra: string[], env: Record<string, string> = {}): Promise<string> => {
    const replay = [process.execPath, CLI, 'replay', '--scenario', join(dir, 's.yaml'), '--profile', join(dir, 'clock.yaml'), '--target', srv.url, '--out', join(dir, name), ...extra];
    const unset = ['NO_COLOR', 'FORCE_COLOR'].filter((k) => env[k] === undefined);
    const inner = `${unset.length > 0 ? `unset ${unset.join(' ')}; ` : ''}stty cols 80 rows 24; exec ${replay.map(sh).join(' ')}`;
    const r = await runBounded('script', ['-qfec', inner, '/dev/null'], { env: { TERM: 'xterm', ...env }, timeoutMs: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.code, r.stdout).toBe(0);
    return r.stdout;
  };
  // eslint-disable-next-line no-control-regex
  const SGR = /\u001b\[[0-9;]*m/;

  it.skipIf(!hasScript && !requireDeps)('names the profile clock and stage and draws the bar, within 80 columns; the report shows the clock', async () => {
    const out = await clockReplay('clock', []);
    const frames = out.split(/[\r\n]/).map((f) => f.replace(ANSI, '')).filter((f) => f.length > 0);
    for (const f of frames) expect([...f].length, f).toBeLessThanOrEqual(80);
    const live = frames.filter((f) => /^\d+(\.\d)?s\/4s /.test(f));
    expect(live.length, out).toBeGreaterThanOrEqual(2);
    // `2s/4s 09:29 · first-half 1/2 [#########---] p99 …`: the clock and the stage after the time, then the bar.
    expect(live.some((f) => /^\S+ 09:[0-5]\d · first-half 1\/2 \[#*-*\] /.test(f)), live.join('\n')).toBe(true);
    expect(live.some((f) => / 09:[3-5]\d · second-half-of-… 2\/2 \[/.test(f)), live.join('\n')).toBe(true);
    // The report after it: coloured on a TTY, and the run's span on the clock.
    expect(out).toMatch(SGR);
    expect(frames.some((f) => /^4(\.\d)? s \(09:00–10:00\) · /.test(f)), out).toBe(true);
  }, 40_000);

  it.skipIf(!hasScript && !requireDeps)('--no-color, NO_COLOR=1 and FORCE_COLOR=0: no colour codes on a TTY', async () => {
    // Three terminals at once (each its own pty, run directory and environment): the runs are 4 s of waiting each.
    const [flag, noColor, force0] = await Promise.all([
      clockReplay('no-color', ['--no-color']),
      clockReplay('no-color-env', [], { NO_COLOR: '1' }),
      clockReplay('force-0', [], { FORCE_COLOR: '0' }),
    ]);
    expect(flag).not.toMatch(SGR);
    expect(noColor).not.toMatch(SGR);
    expect(force0).not.toMatch(SGR);
  }, 60_000);
});
