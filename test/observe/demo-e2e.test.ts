/**
 * The demo service (docs/demo.md) on real PostgreSQL, replayed by the built CLI
 * with a `migrate` event mid-run and the PostgreSQL observer on: the report
 * has a plan-regression break naming pending-orders after the migrate event,
 * and a diagnosis whose slow-query and plan steps carry real data.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemo, type Demo } from '../../src/demo/index.js';
import { createTestDatabase, skipWithoutPg } from '../helpers/pg.js';
import { reportSchemaErrors } from '../helpers/schema.js';
import { TEST_CACHE_DIR, TEST_SCALE, underServiceLock } from '../demo/helpers.js';
import { CLI, ensureBuilt } from '../helpers/cli.js';


describe.skipIf(skipWithoutPg())('demo + migrate event, observed', () => {
  let db: { url: string; drop: () => Promise<void> };
  let demo: Demo;
  const dir = mkdtempSync(join(tmpdir(), 'prodshape-demo-obs-'));

  underServiceLock(async () => {
    ensureBuilt();
    db = await createTestDatabase('demoobs');
    demo = await startDemo({ databaseUrl: db.url, scale: TEST_SCALE, cacheDir: TEST_CACHE_DIR, log: () => undefined });
    writeFileSync(join(dir, 'migrate.yaml'), 'name: steady-migrate\narrival: poisson\nstages:\n  - { duration: 14s, rate: 20 }\nevents:\n  - { at: 6s, action: migrate }\n');
  }, async () => {
    try {
      await demo?.close();
      await db?.drop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports the plan regression of pending-orders after the migrate event', async () => {
    const out = join(dir, 'run');
    const code = await new Promise<number | null>((resolve) => {
      const p = spawn(process.execPath, [CLI, 'replay', '--scenario', 'demo', '--profile', join(dir, 'migrate.yaml'), '--target', demo.url,
        '--data', demo.dataset.dir, '--pg', db.url, '--out', out, '--seed', '5'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', DATABASE_URL: '' } });
      let text = '';
      p.stdout.on('data', (d: Buffer) => (text += d.toString()));
      p.stderr.on('data', (d: Buffer) => (text += d.toString()));
      p.on('exit', (c) => {
        if (c !== 0 && c !== 2) console.error(text);
        resolve(c);
      });
    });
    expect([0, 2]).toContain(code);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
      breaks: { kind: string; t_s: number; summary: string; evidence: Record<string, unknown> }[];
      diagnosis: { id: string; status: string; summary: string }[];
    };
    expect(reportSchemaErrors(report)).toEqual([]);
    const pr = report.breaks.find((b) => b.kind === 'plan-regression' && b.evidence.query === 'pending-orders');
    expect(pr, JSON.stringify(report.breaks.map((b) => b.summary))).toBeDefined();
    expect(pr!.summary).toMatch(/pending-orders .*after the migrate event at 6 s/);
    expect(String(pr!.evidence.after)).toMatch(/orders_created_at/);
    const step = (id: string) => report.diagnosis.find((d) => d.id === id)!;
    expect(step('plans').status).toBe('found');
    expect(step('slow-queries').status).not.toBe('not-observed');
    expect(step('slow-queries').summary).toMatch(/FROM orders/);
    expect(step('pool').summary).toMatch(/connections? .*configured/);
  });
});
