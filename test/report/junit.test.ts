/**
 * JUnit XML: one test case per SLO, failures carrying the measured value,
 * validated against test/report/junit.xsd with xmllint (libxml2; `npm run ci`
 * installs it). Without xmllint the schema check is skipped outside CI and
 * the structural assertions still run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeRunDir, type Report } from '../../src/analyze/index.js';
import { renderJunit } from '../../src/report/junit.js';
import { window, writeRunDir } from '../helpers/rundir.js';

const XSD = join(import.meta.dirname, 'junit.xsd');
const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
const requireDeps = process.env.PRODSHAPE_REQUIRE_TEST_DEPS === '1';
const tmp = mkdtempSync(join(tmpdir(), 'prodshape-junit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Validates XML text against the XSD; returns xmllint's complaints (empty when valid). */
const xsdErrors = (xml: string, name: string): string => {
  const file = join(tmp, name);
  writeFileSync(file, xml);
  const r = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
  return r.status === 0 ? '' : r.stderr;
};

const report = async (slo: string[], meta: Record<string, unknown> = {}): Promise<Report> =>
  analyzeRunDir(writeRunDir({
    meta: { duration_s: 2, scenario: 'saas <orders> & "co"', ...meta },
    windows: [window(0, 'list-orders', Array.from({ length: 200 }, (_, i) => 1 + (i % 50))), window(1, 'dashboard', [5, 5, 5, 400])],
  }), { slo });

describe('JUnit XML', () => {
  it('has xmllint available under npm run ci', () => {
    if (requireDeps) expect(hasXmllint, 'xmllint (apt-get install libxml2-utils)').toBe(true);
  });

  it('writes one test case per SLO, a failure with the measured value for each failing one, and validates against the schema', async () => {
    const r = await report(['p99<40ms', 'list-orders:p95<100ms', 'dashboard:max<100ms', 'errors<1%']);
    const xml = renderJunit(r, { timestamp: new Date('2025-03-03T09:00:00Z') });
    expect(xml.match(/<testcase /g)).toHaveLength(4);
    expect(xml.match(/<failure /g)).toHaveLength(2);
    expect(xml).toMatch(/<testsuite name="prodshape" tests="4" failures="2" errors="0" skipped="0" time="2" timestamp="2025-03-03T09:00:00"/);
    expect(xml).toMatch(/<testcase name="SLO dashboard:max&lt;100ms"[^>]*>\s*<failure message="dashboard: max 40\d ms exceeds &lt; 100 ms" type="SLO">/);
    expect(xml).toMatch(/<testcase name="SLO list-orders:p95&lt;100ms" [^>]*\/>/);
    // Names from the run are escaped, never raw.
    expect(xml).toContain('value="saas &lt;orders&gt; &amp; &quot;co&quot;"');
    if (hasXmllint) expect(xsdErrors(xml, 'fail.xml')).toBe('');
  });

  it('is valid with all SLOs passing, and with no SLO at all', async () => {
    const pass = renderJunit(await report(['p99<1s']));
    expect(pass).not.toContain('<failure');
    const none = renderJunit(await report([]));
    expect(none).toMatch(/tests="0" failures="0"/);
    if (hasXmllint) {
      expect(xsdErrors(pass, 'pass.xml')).toBe('');
      expect(xsdErrors(none, 'none.xml')).toBe('');
    }
  });

  it('the schema is strict: it rejects a test case without a name and a failure without a type', () => {
    if (!hasXmllint) return;
    const bad = '<?xml version="1.0"?><testsuites><testsuite name="x" tests="1" failures="1" errors="0" time="0" timestamp="2025-01-01T00:00:00" hostname="h">'
      + '<testcase classname="c" time="0"><failure message="m">x</failure></testcase></testsuite></testsuites>';
    const err = xsdErrors(bad, 'bad.xml');
    expect(err).toMatch(/name/);
    expect(err).toMatch(/type/);
    expect(execFileSync('xmllint', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })).toBeDefined();
  });
});
