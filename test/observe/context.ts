/** A RunContext for driving observers in tests: a temp run directory and the wall clock. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunContext } from '../../src/observe/types.js';
import type { Scenario } from '../../src/scenario/scenario.js';
import type { Manifest } from '../../src/data/manifest.js';
import type { EventRecord } from '../../src/run/format.js';

export const testContext = (over: { scenario?: Scenario | null; manifest?: Manifest | null; target?: URL | null } = {}): RunContext & { lines: string[] } => {
  const startedAtMs = Date.now();
  const lines: string[] = [];
  return {
    runDir: mkdtempSync(join(tmpdir(), 'prodshape-observe-')),
    startedAtMs,
    nowMs: () => Date.now() - startedAtMs,
    target: over.target ?? null,
    scenario: over.scenario ?? null,
    manifest: over.manifest ?? null,
    signal: new AbortController().signal,
    log: (l) => lines.push(l),
    lines,
  };
};

/** An event record as the engine writes it, for `onEvent`. */
export const eventRecord = (ctx: RunContext, action: string, startMs: number): EventRecord => ({
  t_s: startMs / 1000, action, kind: 'run', start_ms: startMs, end_ms: ctx.nowMs(), ok: true, status: 0, output: '', error: null,
});

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
