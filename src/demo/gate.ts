/**
 * A bounded set of slots with a FIFO queue: the "pool" in front of PGlite,
 * which runs one query at a time. `inUse` never exceeds `size`; callers beyond
 * it wait in arrival order, and `waiting` counts them, like node-postgres's
 * `waitingCount`.
 */

import { realAfter, type WaitClock } from '../core/clock.js';

/** Thrown by `acquire` when no slot came free within the timeout. */
export class GateTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`no pool slot came free within ${timeoutMs} ms`);
    this.name = 'GateTimeoutError';
  }
}

export interface Gate {
  readonly size: number;
  /**
   * Resolves when a slot is free; call the returned function exactly once to
   * free it. With `timeoutMs` > 0, rejects with GateTimeoutError (and leaves
   * the queue) when no slot came free in time.
   */
  acquire(timeoutMs?: number): Promise<() => void>;
  inUse(): number;
  waiting(): number;
}

/** Creates a gate of `size` slots (size >= 1); `after` runs the acquire timeouts [real timers; tests: fake time]. */
export const createGate = (size: number, after: WaitClock['after'] = realAfter): Gate => {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`gate size must be an integer >= 1, got ${size}`);
  let used = 0;
  const queue: (() => void)[] = [];
  const leave = (waiter: () => void): void => {
    const i = queue.indexOf(waiter);
    if (i >= 0) queue.splice(i, 1);
  };
  const release = (): void => {
    const next = queue.shift();
    // Hand the slot straight to the next waiter: `used` stays the same.
    if (next) next();
    else used--;
  };
  const ticket = (): (() => void) => {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      release();
    };
  };
  return {
    size,
    acquire: (timeoutMs = 0) => {
      if (used < size) {
        used++;
        return Promise.resolve(ticket());
      }
      return new Promise((resolve, reject) => {
        let cancel = (): void => undefined;
        const waiter = (): void => {
          cancel();
          resolve(ticket());
        };
        queue.push(waiter);
        if (timeoutMs > 0) {
          cancel = after(timeoutMs, () => {
            leave(waiter);
            reject(new GateTimeoutError(timeoutMs));
          });
        }
      });
    },
    inUse: () => used,
    waiting: () => queue.length,
  };
};
