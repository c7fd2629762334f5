/**
 * Running one of this package's modules in a worker thread or a child
 * process, from dist/ (built .js) or from the TypeScript sources (tests and
 * tsx), where the module is loaded through tsx.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** Whether the module at `moduleUrl` (an `import.meta.url`) runs from the TypeScript sources. */
export const fromSources = (moduleUrl: string): boolean => moduleUrl.endsWith('.ts');

/** The ESM entry of tsx's API (require.resolve finds the CommonJS one beside it). */
const tsxApiUrl = (): string => pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;

/**
 * Starts module `name` (beside `moduleUrl`, an `import.meta.url`) in a worker
 * thread with `workerData`: `name.js` when built; from the sources, a
 * bootstrap that registers tsx in the thread, then imports `name.ts` (Node 20
 * does not apply `--import` hooks to a worker's entry).
 */
export const startModuleWorker = (moduleUrl: string, name: string, workerData: unknown): Worker => {
  if (!fromSources(moduleUrl)) return new Worker(new URL(`./${name}.js`, moduleUrl), { workerData });
  const entry = new URL(`./${name}.ts`, moduleUrl).href;
  const boot = `import(${JSON.stringify(tsxApiUrl())}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData });
};

/** Node's arguments to run the script `file`: a .ts file goes through tsx (`--import tsx`). */
export const nodeArgsFor = (file: string): string[] => (file.endsWith('.ts') ? ['--import', 'tsx', file] : [file]);
