/** `--help` groups the flags of the larger commands under headings, most used first (replay: access-log-only flags last), within 80 columns. */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from '../helpers/cli.js';

/** Headings (lines ending in `:` at column 0) and the long flags under each, in order. */
const sections = (help: string): [string, string[]][] => {
  const out: [string, string[]][] = [];
  for (const line of help.split('\n')) {
    if (/^\S.*:$/.test(line)) out.push([line, []]);
    // A flag starts at column 2 (`-h, --help`) or 6 (`--target`); a description wrapped onto a line of its own is indented further.
    const flag = /^(?: {2}-\w, | {6})--([\w-]+)/.exec(line);
    if (flag !== null && out.length > 0) out[out.length - 1]![1].push(flag[1]!);
  }
  return out;
};

describe('replay --help', () => {
  beforeAll(() => ensureBuilt());

  it('lists the groups in order, every flag once, no line wider than 80 columns', async () => {
    // Not a TTY: the CLI wraps help at 80 columns (cli.ts: min(100, columns || 80)).
    const r = await runCli(['replay', '--help'], { env: { COLUMNS: '80' } });
    expect(r.code).toBe(0);
    const groups = sections(r.stdout).filter(([h]) => h !== 'Examples:');
    expect(groups.map(([h]) => h)).toEqual(['Target:', 'Traffic:', 'Data:', 'Output:', 'Observers:', 'Options:', 'Log replay (--log only):']);
    const flags = groups.flatMap(([, f]) => f);
    expect(new Set(flags).size).toBe(flags.length);
    for (const f of ['target', 'scenario', 'profile', 'log', 'speed', 'data', 'out', 'slo', 'pg', 'help', 'format', 'jitter', 'map']) expect(flags).toContain(f);
    expect(flags.length).toBeGreaterThan(30);
    const log = groups.at(-1)![1];
    expect(log).toEqual(expect.arrayContaining(['format', 'fields', 'method', 'path', 'jitter', 'reorder-window', 'max-endpoints']));
    expect(log).not.toContain('target');
    const wide = r.stdout.split('\n').filter((l) => l.length > 80);
    expect(wide).toEqual([]);
  });
});

describe('generate, k6 and demo --help', () => {
  beforeAll(() => ensureBuilt());

  it.each([
    ['generate', ['Input:', 'Output:', 'Speed:', 'Options:'], ['scenario', 'out', 'to', 'workers', 'chunk-rows']],
    ['k6', ['Input:', 'Traffic:', 'Output:', 'Options:'], ['scenario', 'profile', 'speed', 'max-vus', 'out', 'slo']],
    ['demo', ['Service:', 'Data:', 'Options:'], ['port', 'pool', 'warm', 'database-url', 'pglite']],
  ])('%s: headings in order, every flag once, 80 columns', async (command, headings, some) => {
    const r = await runCli([command, '--help']);
    expect(r.code).toBe(0);
    const groups = sections(r.stdout).filter(([h]) => h !== 'Examples:');
    expect(groups.map(([h]) => h)).toEqual(headings);
    const flags = groups.flatMap(([, f]) => f);
    expect(new Set(flags).size).toBe(flags.length);
    expect(flags).toEqual(expect.arrayContaining(some));
    // Options: the global flags only (--no-color is listed as --color by yargs).
    expect(groups.at(-1)![1].sort()).toEqual(['color', 'help', 'version']);
    expect(r.stdout.split('\n').filter((l) => l.length > 80)).toEqual([]);
  });
});
