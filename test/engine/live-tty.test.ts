/**
 * The live view in a real pseudo-terminal of 80 columns: the built CLI runs
 * under `script` (util-linux), which gives it a TTY; `stty cols 80` sets the
 * width the CLI reads. Every frame (the text between `\r`s and `\n`s, escape
 * codes removed) must fit in 80 columns, and the last live frames still show
 * dropped and in flight.
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
});
