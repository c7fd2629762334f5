/**
 * `prodshape --version` answers from main.ts without loading yargs or any
 * command: it must still print package.json's version and exit 0.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';

describe('prodshape --version', () => {
  it('prints the package version alone', () => {
    const { version } = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(PACKAGE_ROOT, 'src', 'cli', 'main.ts'), '--version'], { encoding: 'utf8', cwd: PACKAGE_ROOT });
    expect(out).toBe(`${version}\n`);
  });
});
