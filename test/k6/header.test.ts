/** The k6 script's "Regenerate with" line: a command a user can paste into sh, with no password in it. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandLine } from '../../src/core/shell.js';
import { renderK6Export } from '../../src/k6/export.js';
import { loadProfile } from '../../src/scenario/profile.js';
import { loadScenario } from '../../src/scenario/scenario.js';
import { loadTenantTable } from '../../src/traffic/tenants.js';
import { FIXTURES } from './profiles.js';

describe('the k6 script header', () => {
  it('redacts the --target password and quotes every argument, and an argument cannot end the comment', async () => {
    const scenario = await loadScenario(join(FIXTURES, 'csv-tenants.yaml'));
    const tenants = (await loadTenantTable({ dataDir: null, scenario }))?.table ?? null;
    const profile = await loadProfile(join(FIXTURES, 'fractional.yaml'));
    const argv = ['prodshape', 'k6', '--scenario', 'csv-tenants', '--profile', 'fractional', '--target', 'http://ops:hunter2@10.0.0.5:8080', '--slo', 'p99<300ms', '--out', 'a b*/x.ts'];
    const r = renderK6Export(scenario, profile, tenants, 'x.ts', { command: commandLine(argv), target: 'http://ops:hunter2@10.0.0.5:8080' });
    const line = r.script.split('\n').find((l) => l.startsWith(' * Regenerate with: ')) ?? '';
    expect(r.script).not.toContain('hunter2');
    expect(line).toBe(" * Regenerate with: prodshape k6 --scenario csv-tenants --profile fractional --target 'http://ops:***@10.0.0.5:8080' --slo 'p99<300ms' --out 'a b*\\/x.ts'");
    // The comment holds: only the header's own `*/` closes it.
    expect(r.script.indexOf('*/')).toBeGreaterThan(r.script.indexOf(line));
    // What sh makes of the command (before the comment's escape): the arguments, password redacted.
    const words = execFileSync('/bin/sh', ['-c', `printf '%s\\n' ${commandLine(argv)}`], { encoding: 'utf8' }).trim().split('\n');
    expect(words).toEqual(argv.map((a) => a.replace('hunter2', '***')));
  });
});
