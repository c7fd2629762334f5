/**
 * Which folders the server's unprivileged user can reach: a root user's
 * project under a home directory of mode 0700 holds binaries that user cannot
 * execute, and the embedded server then runs from a copy it can reach.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { embeddedBinaries, reachableBy } from '../../src/pg/binaries.js';

const NOBODY = { uid: 65534, gid: 65534 };

describe('the server user and the binaries', () => {
  const top = mkdtempSync(join(tmpdir(), 'prodshape-reach-'));
  afterAll(() => rmSync(top, { recursive: true, force: true }));

  it('a folder under a 0700 parent is out of reach of another user, and within reach once the parent is searchable', () => {
    const inner = join(top, 'app', 'node_modules');
    mkdirSync(inner, { recursive: true, mode: 0o755 });
    chmodSync(top, 0o700);
    expect(reachableBy(NOBODY, inner)).toBe(false);
    expect(reachableBy({ uid: process.getuid!(), gid: process.getgid!() }, inner)).toBe(true);
    chmodSync(top, 0o711);
    expect(reachableBy(NOBODY, inner)).toBe(true);
  });

  it.runIf(process.getuid?.() === 0)('binaries the server user cannot reach are used from a reachable copy that holds initdb and postgres', async () => {
    // The repository's own node_modules may or may not be reachable; a user that owns nothing on the way decides.
    const bin = await embeddedBinaries(NOBODY);
    expect(reachableBy(NOBODY, bin.binDir)).toBe(true);
    const direct = await embeddedBinaries(null);
    if (!reachableBy(NOBODY, direct.binDir)) expect(bin.binDir).not.toBe(direct.binDir);
  });
});
