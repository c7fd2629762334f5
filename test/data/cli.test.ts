/**
 * `prodshape generate` end to end, running the built CLI (dist/): the default
 * scenario by name from any directory, the printed summary and the files;
 * exit code 1 with file/line/field on bad input, 3 when PostgreSQL is
 * unreachable; and the load into PostgreSQL with its refusal and --replace.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, skipWithoutPg } from '../helpers/pg.js';
import { CLI, ensureBuilt } from '../helpers/cli.js';


const run = (args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } => {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe('prodshape generate (built CLI)', () => {
  let work: string;
  beforeAll(async () => {
    ensureBuilt();
    work = await mkdtemp(join(tmpdir(), 'ps-cli-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('generates the default scenario by name from any directory', async () => {
    const r = run(['generate', '--scenario', 'saas-orders', '--out', 'data', '--scale', '0.1', '--seed', '3'], work);
    // Nothing on stderr but the progress line, which a slow (busy) machine shows after a few seconds.
    expect(r.stderr.split('\n').filter((l) => l !== '' && !/^generate: +\d+% /.test(l))).toEqual([]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^saas-orders \(seed 3, scale 0\.1\): 20,600 rows in 3 tables → data \(csv\) in [\d.]+ s \([\d.]+k? rows\/s\)$/);
    expect(lines.slice(1, 4)).toEqual([
      '  tenants           200  tenants.csv',
      '  accounts        2,000  accounts.csv',
      '  orders         18,400  orders.csv',
    ]);
    expect(lines[4]).toMatch(/^200 tenants by orders: biggest [\d,]+ · median \d+ \([\d.]+x\) · p99 [\d,]+ · top 10 hold [\d.]+% · Gini 0\.\d\d$/);
    expect((await readdir(join(work, 'data'))).sort()).toEqual(['accounts.csv', 'manifest.json', 'orders.csv', 'schema.sql', 'tenants.csv']);
    const m = JSON.parse(await readFile(join(work, 'data/manifest.json'), 'utf8')) as { seed: number; scenario: string; tenants: unknown[]; tenant_table: string };
    expect(m).toMatchObject({ seed: 3, scenario: 'saas-orders', tenant_table: 'orders' });
    expect(m.tenants).toHaveLength(200);
  });

  it('documents every option in --help', () => {
    const r = run(['generate', '--help'], work);
    expect(r.code).toBe(0);
    for (const opt of ['--scenario', '--out', '--seed', '--scale', '--format', '--to', '--replace', '--workers']) expect(r.stdout).toContain(opt);
  });

  it('exits 1 naming file, line and field for a bad scenario', async () => {
    const file = join(work, 'bad.yaml');
    await writeFile(file, 'name: bad\ndata:\n  tables:\n    t:\n      rows: 10\n      columns:\n        n: { faker: person.fulName }\n');
    const r = run(['generate', '--scenario', file, '--out', 'x'], work);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`prodshape: ${file}:7: data.tables.t.columns.n.faker: unknown faker method "person.fulName" (did you mean "person.fullName"?)`);
    expect(r.stdout).toBe('');
  });

  it('exits 1 on bad flags and unknown scenarios', () => {
    const cases: [string[], RegExp][] = [
      [['--scenario', 'nope', '--out', 'y'], /prodshape: --scenario: no scenario named "nope"\nhint: give a path to a YAML file, or one of: .*saas-orders/],
      [['--scenario', 'saas-orders', '--out', 'y', '--scale', '0'], /--scale: expected a number > 0, got 0/],
      [['--scenario', 'saas-orders', '--out', 'y', '--format', 'xml'], /Invalid values:[\s\S]*format/],
      [['--scenario', 'saas-orders', '--out', 'y', '--replace'], /--replace: only goes with --to/],
      [['--scenario', 'saas-orders', '--out', 'y', '--to', 'http://x'], /--to: expected a database URL: postgres:\/\//],
      [['--scenario', 'saas-orders', '--out', 'y', '--to', 'mysql://x'], /--to: the URL names no database/],
      // A database outside loopback and private networks, refused before any connection (as replay's --target is).
      [['--scenario', 'saas-orders', '--out', 'y', '--to', 'postgres://me:hunter2pw@8.8.8.8:5432/db'], /--to: postgres:\/\/me:\*+@8\.8\.8\.8:5432\/db: 8\.8\.8\.8 \(public\), outside loopback and private networks[\s\S]*--allow-remote/],
      [['--scenario', 'saas-orders', '--out', 'y', '--to', 'postgresql://me@169.254.169.254/db'], /--to: postgresql:\/\/me@169\.254\.169\.254\/db: 169\.254\.169\.254 \(link-local[^)]*\), outside loopback and private networks/],
      [['--scenario', 'saas-orders', '--out', 'y', '--workers', 'two'], /--workers: expected auto or a whole number from 0 to 64, got "two"/],
      [['--scenario', 'saas-orders'], /Missing required argument: out/],
    ];
    for (const [args, message] of cases) {
      const r = run(['generate', ...args], work);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(r.stderr, args.join(' ')).not.toContain('hunter2pw');
    }
    expect(existsSync(join(work, 'y'))).toBe(false);
  });

  it('exits 3 when PostgreSQL cannot be reached, without printing the password', () => {
    const r = run(['generate', '--scenario', 'saas-orders', '--out', 'z', '--scale', '0.05', '--to', 'postgres://me:hunter2pw@127.0.0.1:1/db'], work);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('prodshape: cannot connect to PostgreSQL at 127.0.0.1:1/db');
    expect(r.stderr + r.stdout).not.toContain('hunter2pw');
  });

  describe.skipIf(skipWithoutPg())('with PostgreSQL', () => {
    let db: { url: string; drop: () => Promise<void> };
    beforeAll(async () => {
      db = await createTestDatabase('ps_cli');
    });
    afterAll(async () => {
      await db.drop();
    });

    it('loads, refuses to load again, and replaces with --replace', () => {
      const args = ['generate', '--scenario', 'saas-orders', '--out', 'pg', '--scale', '0.05', '--to', db.url];
      const first = run(args, work);
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/→ PostgreSQL in/);
      // --force: the --out directory holds the first load's manifest; the tables are what is refused.
      const again = run([...args, '--force'], work);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/tables tenants, accounts, orders in .* already have rows[\s\S]*hint: pass --replace/);
      expect(run([...args, '--replace', '--force'], work).code).toBe(0);
    });
  });
});
