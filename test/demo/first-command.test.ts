/**
 * The README's first command, `npx prodshape replay --profile monday-9am`, as
 * a new user runs it: the built CLI, an empty working directory, an empty
 * cache (so the dataset is generated and loaded into the embedded PGlite), no
 * DATABASE_URL. Bounded with `--duration` so the suite stays fast; the rest of
 * the command is the README's.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt } from '../helpers/cli.js';
import { reportSchemaErrors } from '../helpers/schema.js';


describe('the README\'s first command (built CLI, fresh machine)', () => {
  const home = mkdtempSync(join(tmpdir(), 'prodshape-first-'));
  beforeAll(() => ensureBuilt());
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('starts the demo, plays monday-9am against it, and prints the run directory and the report last', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_CACHE_HOME: join(home, '.cache'), NO_COLOR: '1' };
    delete env.DATABASE_URL;
    delete env.PRODSHAPE_CACHE_DIR;
    // 12 s at the first run's speed of 30 covers the night and its deploy (at 4m, 8 s in).
    // The package's bin itself, as npx runs it (its shebang and mode), not `node dist/cli/main.js`.
    const child = spawn(BIN, ['replay', '--profile', 'monday-9am', '--duration', '12s'], { cwd: home, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code, stderr).toBe(0);
    // The first run generated the dataset into the user's cache and loaded PGlite from it.
    expect(stderr).toMatch(/generating the saas-orders dataset/);
    expect(stderr).toMatch(/embedded PGlite/);
    expect(existsSync(join(home, '.cache', 'prodshape', 'datasets'))).toBe(true);
    // The run directory and report.html are the last two lines, after the demo's own last words.
    const lines = stdout.trim().split('\n');
    const runLine = lines[lines.length - 2] ?? '';
    const reportLine = lines[lines.length - 1] ?? '';
    expect(runLine).toMatch(/^run directory: /);
    expect(reportLine).toMatch(/^report: \S+report\.html$/);
    expect(stdout.match(/^run directory: /gm)).toHaveLength(1);
    const runDir = runLine.replace(/^run directory: /, '');
    expect(runDir.startsWith(join(home, 'runs'))).toBe(true);
    const reportFile = reportLine.replace(/^report: /, '');
    expect(existsSync(reportFile)).toBe(true);
    const report = JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')) as {
      profile: string; summary: { requests: number; errors: number }; events: { action: string; ok: boolean }[];
      diagnosis: { id: string; status: string; summary: string; how_to_enable: string | null }[];
    };
    expect(reportSchemaErrors(report)).toEqual([]);
    expect(report.profile).toBe('monday-9am');
    expect(report.summary.requests).toBeGreaterThan(50);
    expect(report.summary.errors).toBe(0);
    // The Monday-morning deploy fired against the demo.
    expect(report.events.map((e) => [e.action, e.ok])).toEqual([['deploy', true]]);
    // The demo child is gone: nothing listens any more.
    const meta = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as { target: string; speed: number; rate_scale: number };
    expect(meta.speed).toBe(30);
    expect(meta.rate_scale).toBeGreaterThan(0);
    await expect(fetch(`${meta.target}/healthz`)).rejects.toThrow();
    // PGlite has no server for the PostgreSQL observer: the run says so, rather than asking for a DATABASE_URL to observe.
    expect(stderr).toMatch(/PostgreSQL observer off: the demo runs on the embedded PGlite/);
    expect(stderr).not.toMatch(/is not set in the environment/);
    for (const id of ['slow-queries', 'plans']) {
      expect(report.diagnosis.find((d) => d.id === id)).toMatchObject({ status: 'not-observed', how_to_enable: null, summary: expect.stringMatching(/^Not observed: the demo runs on the embedded PGlite/) });
    }
  }, 180_000);
});
