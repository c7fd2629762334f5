/**
 * The bad-input corpus (test/fixtures/bad/cases.json) through the built CLI:
 * every case must exit 1 with a message naming the file and line/field or the
 * flag, print no stack trace, finish (no hang), change no file it was given
 * and send nothing to the target. Each case runs in its own temporary
 * directory holding copies of its fixtures (the case's working directory).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt } from '../helpers/cli.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';

const FIXTURES = join(PACKAGE_ROOT, 'test', 'fixtures', 'bad');

interface BadCase {
  name: string;
  /** Arguments after `prodshape`; `{target}` is the counting server's URL. */
  argv: string[];
  /** Copies made before the run: destination in the case directory → source under test/fixtures/bad (file or directory). */
  files?: Record<string, string>;
  /** Empty directories made before the run. */
  dirs?: string[];
  /** Text stderr must hold: the file and line/field, or the flag. */
  expect: string[];
  note?: string;
}

interface Outcome { code: number | null; signal: string | null; stderr: string; stdout: string; timedOut: boolean; elapsedMs: number }

const CASES = JSON.parse(readFileSync(join(FIXTURES, 'cases.json'), 'utf8')) as BadCase[];
/**
 * A hang fails the case instead of blocking the suite. A case takes under a
 * second on an idle machine; 30 s leaves room for a shared, loaded one (up to
 * ~25 s per case was seen at a load average of 16 on 2 cores).
 */
const CASE_TIMEOUT_MS = 30_000;
const CONCURRENCY = 4;

/** Every file's sha256 and every directory, by path relative to `root`. */
const snapshot = (root: string): Record<string, string> => {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      const rel = p.slice(root.length + 1);
      if (e.isDirectory()) {
        out[`${rel}/`] = 'dir';
        walk(p);
      } else {
        out[rel] = `${statSync(p).mode.toString(8)} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
      }
    }
  };
  walk(root);
  return out;
};

/** Runs the built CLI in `cwd` with stdin closed; kills it after CASE_TIMEOUT_MS. */
const runCli = (argv: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Outcome> =>
  new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [CLI, ...argv], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, CASE_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut, elapsedMs: performance.now() - started });
    });
  });

let server: Server;
let connections = 0;
let target = '';
const root = mkdtempSync(join(tmpdir(), 'prodshape-bad-'));
const outcomes = new Map<string, { outcome: Outcome; before: Record<string, string>; after: Record<string, string> }>();

/** Copies a case's fixtures into a fresh directory. */
const prepare = (c: BadCase): string => {
  const dir = join(root, c.name);
  mkdirSync(dir);
  for (const [dest, src] of Object.entries(c.files ?? {})) {
    mkdirSync(dirname(join(dir, dest)), { recursive: true });
    cpSync(join(FIXTURES, src), join(dir, dest), { recursive: true });
  }
  for (const d of c.dirs ?? []) mkdirSync(join(dir, d), { recursive: true });
  return dir;
};

beforeAll(async () => {
  ensureBuilt();
  // The target of every case that needs one: it counts connections, and none may arrive.
  server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  target = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
  const env = { ...process.env, NO_COLOR: '1', PRODSHAPE_CACHE_DIR: join(root, '.cache'), DATABASE_URL: '' };
  const queue = [...CASES];
  const worker = async (): Promise<void> => {
    for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
      const dir = prepare(c);
      const before = snapshot(dir);
      const outcome = await runCli(c.argv.map((a) => a.replaceAll('{target}', target)), dir, env);
      outcomes.set(c.name, { outcome, before, after: snapshot(dir) });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}, 1_800_000);

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(root, { recursive: true, force: true });
});

describe('bad inputs through the built CLI', () => {
  it('the corpus holds at least 100 cases, each expecting some text', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(100);
    for (const c of CASES) expect(c.expect.length, c.name).toBeGreaterThan(0);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = outcomes.get(c.name);
    expect(r).toBeDefined();
    if (r === undefined) return;
    const { outcome, before, after } = r;
    const shown = `prodshape ${c.argv.join(' ')}\n--- stderr\n${outcome.stderr}--- stdout\n${outcome.stdout.slice(0, 2000)}`;
    expect(outcome.timedOut, `hung (killed after ${CASE_TIMEOUT_MS} ms)\n${shown}`).toBe(false);
    expect(outcome.code, shown).toBe(1);
    expect(outcome.stderr, shown).not.toMatch(/^\s+at /m);
    expect(outcome.stderr, shown).not.toMatch(/internal error/i);
    for (const text of c.expect) expect(outcome.stderr, shown).toContain(text);
    expect(after, `files changed\n${shown}`).toEqual(before);
  });

  it('sent nothing to the target', () => {
    expect(connections).toBe(0);
  });
});

describe('--force writes where a refusal would have stopped', () => {
  it('generate --force writes into a non-empty directory: its own files replaced, the others untouched', async () => {
    const dir = join(root, 'force-generate');
    mkdirSync(dir);
    cpSync(join(FIXTURES, 'outputs', 'user-dir'), join(dir, 'user-dir'), { recursive: true });
    cpSync(join(FIXTURES, 'ok', 'data-scenario.yaml'), join(dir, 'data-scenario.yaml'));
    const before = snapshot(join(dir, 'user-dir'));
    const r = await runCli(['generate', '--scenario', 'data-scenario.yaml', '--out', 'user-dir', '--quiet', '--force'], dir, { ...process.env, NO_COLOR: '1' });
    expect(r.code, r.stderr).toBe(0);
    const after = snapshot(join(dir, 'user-dir'));
    expect(after['profile.yaml']).toBe(before['profile.yaml']);
    expect(after['report.html']).toBe(before['report.html']);
    expect(after['manifest.json']).not.toBe(before['manifest.json']);
    expect((JSON.parse(readFileSync(join(dir, 'user-dir', 'manifest.json'), 'utf8')) as { scenario: string }).scenario).toBe('bad-data');
  });
});

describe('damage a killed run leaves is tolerated', () => {
  it('a torn last line of windows.ndjson is a warning naming the file and line, and the report is made', async () => {
    const dir = join(root, 'torn-last-line');
    mkdirSync(dir);
    cpSync(join(FIXTURES, 'runs', 'good'), join(dir, 'run'), { recursive: true });
    cpSync(join(FIXTURES, 'runs', 'damage', 'windows-torn-last.ndjson'), join(dir, 'run', 'windows.ndjson'));
    const r = await runCli(['report', 'run', '--no-html'], dir, { ...process.env, NO_COLOR: '1' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: .*windows\.ndjson:3/);
    expect(existsSync(join(dir, 'run', 'report.json'))).toBe(true);
    // The two whole windows (4 requests each) are analysed; the torn one is not.
    const report = JSON.parse(readFileSync(join(dir, 'run', 'report.json'), 'utf8')) as { summary: { requests: number } };
    expect(report.summary.requests).toBe(8);
  });
});
