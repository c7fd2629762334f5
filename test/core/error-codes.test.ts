/**
 * Error codes: one table (ERROR_CODES) gives each code its exit code, every
 * error takes its exit code from it, and docs/design.md "Error codes" lists
 * exactly that table (a script reading the docs sees what the CLI does).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckFailedError, ERROR_CODES, EXIT, InputError, isErrorCode, RunError } from '../../src/core/errors.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';

describe('error codes', () => {
  it('docs/design.md lists every code with its exit code, and no other', () => {
    const doc = readFileSync(join(PACKAGE_ROOT, 'docs', 'design.md'), 'utf8');
    const section = doc.slice(doc.indexOf('### Error codes'), doc.indexOf('\n### ', doc.indexOf('### Error codes') + 1));
    const rows = [...section.matchAll(/^\| `(PS_[A-Z0-9_]+)` \| (\d) \|/gm)].map((m) => [m[1], Number(m[2])]);
    expect(rows).toEqual(Object.entries(ERROR_CODES).map(([code, v]) => [code, v.exit]));
  });

  it('an error ends the CLI with its code\'s exit code', () => {
    expect(new InputError([{ file: null, line: null, field: 'x', message: 'bad' }], { code: 'PS_SLO' }).exitCode).toBe(EXIT.input);
    expect(new InputError([{ file: null, line: null, field: 'x', message: 'bad' }]).code).toBe('PS_INPUT');
    expect(new CheckFailedError('PS_PLAN_CHANGED', 'changed').exitCode).toBe(EXIT.checkFailed);
    expect(new RunError('PS_TARGET_UNREACHABLE', 'down').exitCode).toBe(EXIT.runFailed);
  });

  it('a code read back from elsewhere (a worker\'s message) is recognised only when it is in the table', () => {
    expect(isErrorCode('PS_WORKER')).toBe(true);
    expect(isErrorCode('PS_NO_SUCH_CODE')).toBe(false);
    expect(isErrorCode('toString')).toBe(false);
  });
});
