/**
 * The observers' ticker on the run's clock: tick 0 must run at time zero even
 * when the engine fixes the zero late, between two of the ticker's clock reads.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { startTicker } from '../../src/observe/ticker.js';
import { sleep } from './context.js';

describe('startTicker', () => {
  it('runs tick 0 within a few ms of a time zero fixed 50 ms ahead, wherever the fixing falls between its clock reads', async () => {
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    // Six clocks, each a placeholder zero a minute ahead (as during the observers' start), fixed 50 ms
    // ahead 17 ms apart: the fixings fall at six phases of any clock-read period up to 100 ms.
    const runs = Array.from({ length: 6 }, () => {
      const run = { zeroMs: Date.now() + 60_000, tick0AtMs: null as number | null };
      const nowMs = (): number => Date.now() - run.zeroMs;
      const ticker = startTicker(250, nowMs, (k) => {
        if (k === 0) run.tick0AtMs = nowMs();
        return Promise.resolve();
      });
      return { run, ticker };
    });
    for (const { run } of runs) {
      await sleep(17);
      run.zeroMs = Date.now() + 50;
    }
    await sleep(200);
    await Promise.all(runs.map(({ ticker }) => ticker.stop()));
    loopDelay.disable();
    // How late a timer may fire: the largest delay this process's event loop measured meanwhile, plus 15 ms.
    const allowedMs = loopDelay.max / 1e6 + 15;
    for (const { run } of runs) {
      expect(run.tick0AtMs, 'tick 0 ran').not.toBeNull();
      // Date.now() has 1-ms steps: a timer due at zero may read -1.
      expect(run.tick0AtMs!).toBeGreaterThanOrEqual(-1);
      expect(run.tick0AtMs!, `tick 0 at ${run.tick0AtMs} ms; loop delay allows ${allowedMs.toFixed(0)} ms`).toBeLessThanOrEqual(allowedMs);
    }
  });
});
