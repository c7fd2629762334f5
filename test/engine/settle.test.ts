/** The engine's settling before time zero: a real full collection, on any thread that sends. */
import { describe, expect, it } from 'vitest';
import { settleBeforeZero } from '../../src/engine/settle.js';

describe('settleBeforeZero', () => {
  it('runs a full garbage collection: an object only weakly held is gone after it', async () => {
    const held: { ref?: WeakRef<object> } = {};
    (() => {
      held.ref = new WeakRef({ payload: new Array<number>(1000).fill(1) });
    })();
    // A WeakRef's target lives at least until the end of the job that created or read it.
    await new Promise((r) => setImmediate(r));
    settleBeforeZero();
    expect(held.ref?.deref()).toBeUndefined();
    expect(held.ref).toBeDefined();
  });
});
