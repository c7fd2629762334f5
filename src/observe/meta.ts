/**
 * observe.json: what the observers watched, with which settings, and the
 * warnings they raised. Shared by the observers of one run; each one flushes
 * it when it starts and stops, so the file is complete whatever order the
 * engine stops them in. Warnings also go to the run's log for people.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { redact, redactDeep } from '../core/secrets.js';
import { OBSERVE_FILES, type ObserveMeta } from './files.js';
import type { RunContext } from '../engine/observer.js';

export interface MetaSink {
  readonly meta: ObserveMeta;
  /** Binds the sink to a run (idempotent); prints the warnings recorded before. */
  bind(ctx: RunContext): void;
  /** Records a warning and prints it once. */
  warn(text: string): void;
  /** Writes observe.json (serialised; the last call wins). */
  flush(): Promise<void>;
}

export const createMetaSink = (instances: number): MetaSink => {
  const meta: ObserveMeta = { prometheus: null, postgres: null, instances, warnings: [] };
  let ctx: RunContext | null = null;
  let chain: Promise<void> = Promise.resolve();
  return {
    meta,
    bind(c) {
      // Warnings recorded before the run (while the observers were created) are printed now.
      if (ctx === null) for (const w of meta.warnings) c.log(`observe: ${w}`);
      ctx = c;
    },
    warn(text) {
      const line = redact(text);
      if (meta.warnings.includes(line)) return;
      meta.warnings.push(line);
      ctx?.log(`observe: ${line}`);
    },
    flush() {
      const dir = ctx?.runDir;
      if (dir === undefined) return chain;
      chain = chain.then(() => writeFile(join(dir, OBSERVE_FILES.meta), `${JSON.stringify(redactDeep(meta), null, 2)}\n`));
      return chain;
    },
  };
};
