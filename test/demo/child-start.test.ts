/**
 * The demo child's start wait (src/demo/child.ts `firstLine`) on fake time:
 * the 10-minute start timeout fires when the clock passes it, not before and
 * not once the first line came. A real idle `node` process stands in for a
 * demo that never listens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { firstLine } from '../../src/demo/child.js';
import { createFakeClock } from '../engine/fake-clock.js';

const started: ChildProcess[] = [];
const node = (code: string): ChildProcess => {
  const c = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'ignore'] });
  started.push(c);
  return c;
};
afterEach(() => {
  for (const c of started.splice(0)) c.kill('SIGKILL');
});

describe('demo child start wait', () => {
  it('gives up after 600 s of its clock (in far less real time), not at 599 s', async () => {
    const clock = createFakeClock();
    let outcome: string | null = null;
    const wait = firstLine(node('setInterval(() => undefined, 1000)'), 600_000, clock).then(
      () => 'line',
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
    void wait.then((o) => (outcome = o));
    await clock.sleep(599_000);
    await new Promise((r) => setImmediate(r));
    expect(outcome).toBeNull();
    await clock.sleep(1_000);
    expect(await wait).toBe('it did not start listening within 600 s');
  });

  it('resolves with the first line, and its timer never fires after', async () => {
    const fake = createFakeClock();
    const fired: number[] = [];
    const clock = { ...fake, after: (ms: number, fn: () => void) => fake.after(ms, () => (fired.push(ms), fn())) };
    expect(await firstLine(node('console.log(JSON.stringify({ url: "http://127.0.0.1:1" })); setInterval(() => undefined, 1000)'), 600_000, clock)).toBe('{"url":"http://127.0.0.1:1"}');
    await fake.sleep(700_000);
    expect(fired).toEqual([]);
  });

  it('rejects when the process exits before writing a line', async () => {
    await expect(firstLine(node('process.exit(3)'), 600_000, createFakeClock())).rejects.toThrow('it exited (code 3) before listening');
  });
});
