/** A RunContext for driving observers in tests: a temp run directory and the wall clock. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunContext } from '../../src/engine/observer.js';
import type { Scenario } from '../../src/scenario/scenario.js';
import type { Manifest } from '../../src/data/manifest.js';
import type { EventRecord } from '../../src/run/format.js';

/**
 * A test RunContext. With `lateZero`, it behaves like the engine: during
 * `start` time zero is a placeholder a minute ahead (the clock reads about
 * -60 s), and `fixZero()` sets it 50 ms ahead once the observers are up.
 */
export const testContext = (
  over: { scenario?: Scenario | null; manifest?: Manifest | null; target?: URL | null; lateZero?: boolean } = {},
): RunContext & { lines: string[]; fixZero: () => void } => {
  let t0 = Date.now() + (over.lateZero ? 60_000 : 0);
  const lines: string[] = [];
  const ctx = {
    runDir: mkdtempSync(join(tmpdir(), 'prodshape-observe-')),
    startedAtMs: t0,
    nowMs: () => Date.now() - t0,
    target: over.target ?? null,
    scenario: over.scenario ?? null,
    manifest: over.manifest ?? null,
    signal: new AbortController().signal,
    log: (l: string) => lines.push(l),
    lines,
    fixZero: () => {
      t0 = Date.now() + 50;
      ctx.startedAtMs = t0;
    },
  };
  return ctx;
};

/** An event record as the engine writes it, for `onEvent`. */
export const eventRecord = (ctx: RunContext, action: string, startMs: number): EventRecord => ({
  t_s: startMs / 1000, action, kind: 'run', start_ms: startMs, end_ms: ctx.nowMs(), ok: true, status: 0, output: '', error: null,
});

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
