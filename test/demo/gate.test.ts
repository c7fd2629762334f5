import { describe, expect, it } from 'vitest';
import { GateTimeoutError, createGate } from '../../src/demo/gate.js';
import { createFakeClock } from '../engine/fake-clock.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('pool gate (the slots in front of PGlite)', () => {
  it('never has more than `size` in use, queues the rest in arrival order, and counts them', async () => {
    const gate = createGate(2);
    const a = await gate.acquire();
    const b = await gate.acquire();
    expect([gate.inUse(), gate.waiting()]).toEqual([2, 0]);
    const order: string[] = [];
    const c = gate.acquire().then((r) => (order.push('c'), r));
    const d = gate.acquire().then((r) => (order.push('d'), r));
    await tick();
    expect([gate.inUse(), gate.waiting()]).toEqual([2, 2]);
    a();
    a(); // a second release of the same ticket is ignored
    const rc = await c;
    expect([gate.inUse(), gate.waiting()]).toEqual([2, 1]);
    b();
    const rd = await d;
    expect(order).toEqual(['c', 'd']);
    rc();
    rd();
    expect([gate.inUse(), gate.waiting()]).toEqual([0, 0]);
  });

  it('gives up after the timeout, leaving the queue, and hands later slots to those still waiting', async () => {
    const gate = createGate(1);
    const held = await gate.acquire();
    const late = gate.acquire(20);
    const patient = gate.acquire();
    await expect(late).rejects.toBeInstanceOf(GateTimeoutError);
    expect(gate.waiting()).toBe(1);
    held();
    const r = await patient;
    expect([gate.inUse(), gate.waiting()]).toEqual([1, 0]);
    r();
    expect(gate.inUse()).toBe(0);
  });

  it('times out on its clock: a 10 s acquire timeout fires at 10 s of fake time, not before, and not once served', async () => {
    const clock = createFakeClock();
    const gate = createGate(1, (ms, fn) => clock.after(ms, fn));
    const held = await gate.acquire();
    let outcome = 'pending';
    const late = gate.acquire(10_000).then(() => 'served', (e: unknown) => (e instanceof GateTimeoutError ? 'timed out' : 'other'));
    void late.then((o) => (outcome = o));
    await clock.sleep(9_999);
    await new Promise((r) => setImmediate(r));
    expect(outcome).toBe('pending');
    await clock.sleep(1);
    expect(await late).toBe('timed out');
    expect(gate.waiting()).toBe(0);
    // Served before its timeout: the cancelled timer never rejects it.
    const served = gate.acquire(10_000);
    held();
    (await served)();
    await clock.sleep(20_000);
    expect([gate.inUse(), gate.waiting()]).toEqual([0, 0]);
  });

  it('rejects a size below 1', () => {
    expect(() => createGate(0)).toThrow(RangeError);
    expect(() => createGate(1.5)).toThrow(RangeError);
  });
});
