/**
 * The package as npm ships it: `npm pack`, installed into an empty project
 * outside the repository, then run as a user would (`prodshape --help`,
 * `generate`, the demo service and an 8 s replay against it). Also: what the
 * tarball holds (LICENSE, the docs the README links to, the scenario and
 * profile schemas where the docs' editor line finds them, no source maps into a
 * src/ that is not shipped), and `engines` claiming no Node.js version that a
 * dependency refuses.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import semver from 'semver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { ensureBuilt } from '../helpers/cli.js';

interface PackageJson { name: string; version: string; engines?: { node?: string }; dependencies?: Record<string, string>; files?: string[]; bin?: Record<string, string>; scripts?: Record<string, string> }
const readPackage = (dir: string): PackageJson => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
const ours = readPackage(PACKAGE_ROOT);

/** The installed packages `npm install prodshape` also installs: package-lock.json's entries not marked dev (direct and transitive), with their package.json. */
const runtimePackages = (): { path: string; pkg: PackageJson }[] => {
  const lock = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  return Object.entries(lock.packages)
    .filter(([path, entry]) => path !== '' && entry.dev !== true && existsSync(join(PACKAGE_ROOT, path, 'package.json')))
    .map(([path]) => ({ path, pkg: readPackage(join(PACKAGE_ROOT, path)) }));
};

describe('engines', () => {
  it('claims no Node.js version that a runtime dependency (direct or transitive) refuses, and holds for this Node.js', () => {
    const range = ours.engines?.node;
    expect(range, 'package.json states engines.node').toBeDefined();
    const installed = runtimePackages();
    const names = new Set(installed.map((p) => p.pkg.name));
    // Every direct dependency is among them (else the walk would check nothing).
    expect(Object.keys(ours.dependencies ?? {}).filter((d) => !names.has(d))).toEqual([]);
    const refused: string[] = [];
    for (const { path, pkg } of installed) {
      const theirs = pkg.engines?.node;
      if (theirs !== undefined && !semver.subset(range!, theirs)) refused.push(`${path} needs node ${theirs}`);
    }
    expect(refused, `engines.node "${range}" admits versions that dependencies refuse`).toEqual([]);
    expect(semver.satisfies(process.versions.node, range!)).toBe(true);
  });

  it('is as low as the dependencies allow: its lowest version is the highest minimum a dependency names', () => {
    const floors = runtimePackages()
      .map((p) => p.pkg.engines?.node)
      .filter((r): r is string => r !== undefined)
      .map((r) => semver.minVersion(r)?.version ?? '0.0.0');
    const highest = floors.sort(semver.compare).at(-1);
    expect(semver.minVersion(ours.engines?.node ?? '')?.version).toBe(highest);
  });
});

describe('scripts', () => {
  it('builds dist/ on npm pack (prepack) and runs no script of ours at install (a clone builds on first use)', () => {
    const scripts = ours.scripts ?? {};
    expect(scripts.prepack).toMatch(/npm run build/);
    expect(Object.keys(scripts).filter((s) => ['preinstall', 'install', 'postinstall', 'prepare'].includes(s))).toEqual([]);
    // The launcher's build on first use, which `npm ci && npx prodshape …` in a clone relies on.
    expect(readFileSync(join(PACKAGE_ROOT, 'bin', 'prodshape.js'), 'utf8')).toMatch(/buildIfStale\(root/);
  });
});

describe('addresses', () => {
  it('package.json has a repository, homepage or bugs field exactly when the README stops saying it has none', () => {
    const raw = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
    const has = ['repository', 'homepage', 'bugs'].filter((k) => raw[k] !== undefined);
    const readmeSaysNone = /`package\.json` has no `repository`, `homepage` or `bugs` field/.test(readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8'));
    expect({ has, readmeSaysNone }).toEqual(has.length === 0 ? { has: [], readmeSaysNone: true } : { has, readmeSaysNone: false });
  });
});

describe('the packed package, installed outside the repository', () => {
  const work = mkdtempSync(join(tmpdir(), 'prodshape-pack-'));
  const app = join(work, 'app');
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: join(work, 'home'), PRODSHAPE_CACHE_DIR: join(work, 'cache'), NO_COLOR: '1' };
  delete env.DATABASE_URL;
  let tarball = '';
  let installLog = '';
  let files: string[] = [];
  const children: ChildProcess[] = [];
  const prodshape = join(app, 'node_modules', '.bin', 'prodshape');

  beforeAll(() => {
    ensureBuilt();
    // --ignore-scripts: dist/ is built already (prepack would rebuild it under the other test files' feet).
    const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: PACKAGE_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const packed = (JSON.parse(out) as { filename: string; files: { path: string }[] }[])[0]!;
    tarball = join(work, packed.filename);
    files = packed.files.map((f) => f.path);
    mkdirSync(app, { recursive: true });
    mkdirSync(env.HOME!, { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'user-app', version: '1.0.0', private: true }));
    // The dependencies come from npm's cache, which `npm ci` of this repository filled.
    const install = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: app, env, encoding: 'utf8', timeout: 180_000 });
    installLog = `${install.stdout}${install.stderr}`;
    if (install.status !== 0) throw new Error(`npm install of the tarball failed (${String(install.status)}):\n${installLog}`);
  }, 240_000);
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  it('holds LICENSE, the launcher, dist/, the docs and the schemas; no source maps, no src/', () => {
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'bin/prodshape.js', 'dist/cli/main.js', 'dist/index.js', 'docs/report.schema.json', 'docs/scenario.schema.json', 'docs/profile.schema.json']));
    expect(files.filter((f) => f.endsWith('.map') || f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);
    // The full text, from the title to the appendix, not a notice pointing elsewhere.
    const license = readFileSync(join(app, 'node_modules', ours.name, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    expect(license).toMatch(/9\. Accepting Warranty or Additional Liability\.[\s\S]+END OF TERMS AND CONDITIONS[\s\S]+APPENDIX: How to apply the Apache License/);
  });

  it('every relative link of the README and of the shipped docs resolves inside the installed package', () => {
    const installed = join(app, 'node_modules', ours.name);
    const pages = ['README.md', ...files.filter((f) => f.startsWith('docs/') && f.endsWith('.md'))];
    expect(pages.length).toBeGreaterThan(5);
    let count = 0;
    const dangling: string[] = [];
    for (const page of pages) {
      const text = readFileSync(join(installed, page), 'utf8');
      const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/i.test(l) && !l.startsWith('#'));
      count += links.length;
      for (const l of links) if (!existsSync(join(installed, dirname(page), l.replace(/#.*$/, '')))) dangling.push(`${page}: ${l}`);
    }
    expect(count).toBeGreaterThan(20);
    expect(dangling).toEqual([]);
  });

  it('installs without a warning about prodshape itself (no install script of ours, engines met)', () => {
    // npm may warn about dependencies' install scripts (its allowScripts policy); none names this package or its engines.
    const ownWarnings = installLog.split('\n').filter((l) => /warn/i.test(l) && (l.includes(`${ours.name}@`) || /EBADENGINE/.test(l)));
    expect(ownWarnings, installLog).toEqual([]);
  });

  it('holds the schemas where the editor line of the docs points (../node_modules/prodshape/docs/…)', () => {
    for (const kind of ['scenario', 'profile']) {
      const installed = join(app, 'node_modules', ours.name, 'docs', `${kind}.schema.json`);
      expect(readFileSync(installed, 'utf8')).toBe(readFileSync(join(PACKAGE_ROOT, 'docs', `${kind}.schema.json`), 'utf8'));
    }
  });

  it('runs --help and generate from the installed bin', () => {
    const help = execFileSync(prodshape, ['--help'], { cwd: app, env, encoding: 'utf8' });
    expect(help).toMatch(/prodshape <command>/);
    const out = execFileSync(prodshape, ['generate', '--scenario', 'saas-orders', '--scale', '0.05', '--out', 'data', '--quiet'], { cwd: app, env, encoding: 'utf8' });
    expect(out).toMatch(/^saas-orders \(seed \d+, scale 0\.05\): [\d,]+ rows in 3 tables/);
    expect(readdirSync(join(app, 'data')).sort()).toEqual(['accounts.csv', 'manifest.json', 'orders.csv', 'schema.sql', 'tenants.csv']);
  });

  it('starts the demo service and replays 8 s against it, writing a report', async () => {
    const demo = spawn(prodshape, ['demo', '--port', '0', '--scale', '0.1', '--json'], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(demo);
    let demoErr = '';
    demo.stderr.on('data', (d: Buffer) => (demoErr += d.toString()));
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: demo.stdout }).once('line', resolve);
      demo.once('exit', (code) => reject(new Error(`prodshape demo exited (${code}): ${demoErr}`)));
    });
    const info = JSON.parse(first) as { url: string; manifest: string };
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(prodshape, ['replay', '--target', info.url, '--scenario', 'demo', '--data', join(info.manifest, '..'), '--profile', 'steady', '--duration', '8s', '--rate-scale', '0.2', '--out', 'run'],
        { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('exit', (code) => resolve({ code, stdout, stderr }));
    });
    demo.kill('SIGTERM');
    // 0, or 2 when the demo scenario's SLOs fail on a busy machine: this test pins that the installed
    // package runs end to end and writes its report, not the verdict (the demo tests pin that).
    expect([0, 2], run.stderr).toContain(run.code);
    expect(run.stdout).toMatch(/^report: \S+report\.html$/m);
    const report = JSON.parse(readFileSync(join(app, 'run', 'report.json'), 'utf8')) as { profile: string; summary: { requests: number; errors: number } };
    expect(report.profile).toBe('steady');
    // 8 s at 100/s × 0.2: Poisson with 160 expected (σ ≈ 12.6); more than 95 is over 5 σ below.
    expect(report.summary.requests).toBeGreaterThan(95);
    expect(report.summary.errors).toBe(0);
  }, 120_000);
});
