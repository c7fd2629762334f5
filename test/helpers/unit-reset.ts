/**
 * Runs before each file of the `unit` group, whose files share one process
 * per worker (vitest.config.ts, `isolate: false`): what one file left in
 * process-wide state is put back as the first file found it. The environment
 * (variables a file set for `${NAME}` references), the registered secrets
 * (which redact every later output), the colour flag (set by an in-process
 * CLI run) and `process.exitCode` (which an in-process `main` returns).
 */
import { forgetSecrets } from '../../src/core/secrets.js';
import { setColorFlag } from '../../src/cli/output.js';

const holder = globalThis as { __prodshapeUnitEnv?: Record<string, string | undefined> };
holder.__prodshapeUnitEnv ??= { ...process.env };
const first = holder.__prodshapeUnitEnv;
for (const k of Object.keys(process.env)) if (!(k in first)) delete process.env[k];
for (const [k, v] of Object.entries(first)) if (v !== undefined) process.env[k] = v;
forgetSecrets();
setColorFlag(undefined);
process.exitCode = undefined;
