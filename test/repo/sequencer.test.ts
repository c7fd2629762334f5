/** The slow-first list names files that exist: a renamed file would silently lose its early start. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SLOW_FIRST } from '../helpers/sequencer.js';

describe('the test sequencer', () => {
  it('lists only test files that exist', () => {
    const root = join(import.meta.dirname, '../..');
    expect(SLOW_FIRST.filter((f) => !existsSync(join(root, f)))).toEqual([]);
  });
});
