/** The one colour rule (cli/output.ts `colorWanted`): --no-color, NO_COLOR, FORCE_COLOR, then the TTY. */
import { describe, expect, it } from 'vitest';
import { colorWanted } from '../../src/cli/output.js';

describe('colorWanted', () => {
  it('on a TTY by default, off elsewhere and on a dumb terminal', () => {
    expect(colorWanted({ env: {}, isTTY: true })).toBe(true);
    expect(colorWanted({ env: {}, isTTY: false })).toBe(false);
    expect(colorWanted({ env: { TERM: 'dumb' }, isTTY: true })).toBe(false);
  });
  it('--no-color and a non-empty NO_COLOR turn colours off, even with FORCE_COLOR', () => {
    expect(colorWanted({ flag: false, env: { FORCE_COLOR: '1' }, isTTY: true })).toBe(false);
    expect(colorWanted({ env: { NO_COLOR: '1', FORCE_COLOR: '1' }, isTTY: true })).toBe(false);
    // An empty NO_COLOR does not count (no-color.org).
    expect(colorWanted({ env: { NO_COLOR: '' }, isTTY: true })).toBe(true);
  });
  it('FORCE_COLOR turns them on off a TTY; 0 or false turn them off on one', () => {
    expect(colorWanted({ env: { FORCE_COLOR: '1' }, isTTY: false })).toBe(true);
    expect(colorWanted({ env: { FORCE_COLOR: '' }, isTTY: false })).toBe(true);
    expect(colorWanted({ env: { FORCE_COLOR: '0' }, isTTY: true })).toBe(false);
    expect(colorWanted({ env: { FORCE_COLOR: 'false' }, isTTY: true })).toBe(false);
    // --color (the flag given as true) does not override NO_COLOR; it leaves the rest of the rule.
    expect(colorWanted({ flag: true, env: {}, isTTY: true })).toBe(true);
  });
});
