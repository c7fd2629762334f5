/**
 * The clock rule of docs/design.md ("The clock"): code of src/ reads time and
 * waits for it through an injected clock (`Clock` / `WaitClock` of
 * src/core/clock.ts, the engine's `RunClock` of src/engine/clock.ts), so tests
 * can run it on fake time. A direct read of real time is allowed only in the
 * files below, each with its reason; a new one fails this test, and so does an
 * allow-list entry whose read is gone (the list stays honest).
 *
 * Read with the TypeScript parser (comments and strings never match):
 * `Date.now`, `performance.now`, `performance.timeOrigin`, `process.hrtime`,
 * `process.uptime`, `AbortSignal.timeout`, calls of the global `setTimeout`,
 * `setInterval`, `setImmediate`, `new Date()` and `Date()` without an argument,
 * and imports of `node:timers` / `node:timers/promises`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';

const SRC = join(PACKAGE_ROOT, 'src');

/** Why a file may read real time directly, and which reads. */
interface Allowed { reads: string[]; why: string }

/** src-relative file -> what it may read. Keep in step with docs/design.md ("The clock"). */
export const ALLOWED: Record<string, Allowed> = {
  // The clocks themselves: the lowest level, what everything else is given.
  'core/clock.ts': { reads: ['performance.now', 'setTimeout'], why: 'the real Clock / WaitClock (monotonicClock, realSleep, realAfter)' },
  'engine/clock.ts': { reads: ['performance.now', 'performance.timeOrigin', 'setImmediate', 'setInterval'], why: 'the real RunClock (createRunClock, epochNowMs)' },

  // Wall-clock stamps: a date a person or a file reads, never a duration.
  'engine/run.ts': { reads: ['Date.now'], why: 'run.json started_at_ms before time zero (replaced by time zero when the run starts)' },
  'app/replay.ts': { reads: ['new Date()'], why: 'the default run directory name runs/NAME-YYYYMMDD-HHMMSS' },
  'report/junit.ts': { reads: ['new Date()'], why: 'the JUnit timestamp when the caller passes none' },
  'demo/server.ts': { reads: ['new Date()'], why: 'computed_at in a dashboard body' },
  'pg/lock.ts': { reads: ['Date.now', 'new Date()'], why: "the lock file's started_at, and a lock file's age against its mtime (wall time)" },
  'demo/process-metrics.ts': {
    reads: ['Date.now', 'process.uptime', 'process.hrtime', 'setImmediate'],
    why: 'process_start_time_seconds (wall time), and the event-loop lag: the real loop is what it measures',
  },

  // Timeouts of real I/O with a real peer: fake time cannot make the peer answer sooner.
  'engine/h1-client.ts': { reads: ['performance.now', 'setInterval', 'setTimeout'], why: "the engine's HTTP client (hot path): the connect timeout, the once-a-second backstop for unanswered requests and the keep-alive expiry, timeouts on real network I/O" },
  'engine/events.ts': { reads: ['AbortSignal.timeout', 'setTimeout'], why: "an action's own timeout and the SIGKILL 2 s after SIGTERM of its command" },
  'observe/prometheus.ts': { reads: ['AbortSignal.timeout'], why: 'the scrape timeout' },
  'observe/promql.ts': { reads: ['AbortSignal.timeout'], why: 'the query timeout' },
  'observe/remote-write.ts': { reads: ['AbortSignal.timeout'], why: 'the push timeout' },
  'run/ndjson.ts': { reads: ['setImmediate'], why: "writeMany yields one turn of the event loop between slices of a long batch (the run's request log): a turn, not a duration" },
  'data/sinks/staging.ts': { reads: ['setTimeout'], why: 'the test-only pause (PRODSHAPE_TEST_PAUSE_AT) gives up after 60 s of real time' },

  // Not moved onto a clock yet (another stage's files): the observers' ticker and settle wait.
  'observe/ticker.ts': { reads: ['setTimeout'], why: 'the observers\' ticker: reads an injected nowMs, waits on real timers (not moved yet)' },
  'observe/promql-server.ts': { reads: ['setTimeout'], why: 'waits one step for the Prometheus server to settle at the stop (not moved yet)' },
};

const PROPERTY_READS = new Set(['Date.now', 'performance.now', 'performance.timeOrigin', 'process.hrtime', 'process.uptime', 'AbortSignal.timeout']);
const GLOBAL_TIMERS = new Set(['setTimeout', 'setInterval', 'setImmediate']);
const TIMER_MODULES = new Set(['node:timers', 'node:timers/promises', 'timers', 'timers/promises']);

/** The direct reads of real time in one source text, each once, sorted. */
export const timeReadsIn = (fileName: string, text: string): string[] => {
  const found = new Set<string>();
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)) {
      const name = `${node.expression.text}.${node.name.text}`;
      if (PROPERTY_READS.has(name)) found.add(name);
    }
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression)) {
      if (GLOBAL_TIMERS.has(node.expression.text)) found.add(node.expression.text);
      if (node.expression.text === 'Date' && node.arguments.length === 0) found.add('new Date()');
    }
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'Date' && (node.arguments?.length ?? 0) === 0) found.add('new Date()');
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && TIMER_MODULES.has(node.moduleSpecifier.text)) found.add(`import ${node.moduleSpecifier.text}`);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return [...found].sort();
};

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });

describe('direct reads of real time in src/', () => {
  const reads = new Map(sourceFiles(SRC).map((f) => [relative(SRC, f), timeReadsIn(f, readFileSync(f, 'utf8'))] as const));

  it('only the allow-listed files read real time, and only what their entry names', () => {
    const unexpected: string[] = [];
    for (const [file, found] of reads) {
      const allowed = ALLOWED[file]?.reads ?? [];
      for (const r of found) if (!allowed.includes(r)) unexpected.push(`${file}: ${r}`);
    }
    // A new read: take a Clock / WaitClock (src/core/clock.ts) instead, or add it to ALLOWED with its reason.
    expect(unexpected).toEqual([]);
  });

  it('every allow-list entry is still needed (no stale exception)', () => {
    const stale: string[] = [];
    for (const [file, a] of Object.entries(ALLOWED)) {
      const found = reads.get(file);
      if (found === undefined) stale.push(`${file}: no such file`);
      else for (const r of a.reads) if (!found.includes(r)) stale.push(`${file}: ${r}`);
    }
    expect(stale).toEqual([]);
  });

  it('finds each kind of read, and none in comments or strings (so the tests above can fail)', () => {
    const text = [
      "import { setTimeout as sleep } from 'node:timers/promises';",
      '// Date.now() in a comment',
      "const s = 'performance.now()';",
      'const a = Date.now();',
      'const b = performance.now() + performance.timeOrigin;',
      'const c = process.hrtime.bigint();',
      'setTimeout(() => undefined, 1); setInterval(() => undefined, 1); setImmediate(() => undefined);',
      'const d = new Date(); const e = new Date(0); const f = Date();',
      'socket.setTimeout(5); clock.sleep(1); const g = AbortSignal.timeout(1); const h = process.uptime();',
    ].join('\n');
    expect(timeReadsIn('x.ts', text)).toEqual([
      'AbortSignal.timeout', 'Date.now', 'import node:timers/promises', 'new Date()', 'performance.now', 'performance.timeOrigin',
      'process.hrtime', 'process.uptime', 'setImmediate', 'setInterval', 'setTimeout',
    ]);
  });
});
