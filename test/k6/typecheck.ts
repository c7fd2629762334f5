/** Type-checks exported k6 scripts with tsc against @types/k6 only: the environment k6 scripts are written for (no DOM, no Node). */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { PACKAGE_ROOT } from '../../src/core/paths.js';

const run = promisify(execFile);
const TYPES = join(PACKAGE_ROOT, 'node_modules', '@types');

/** Runs tsc over `files` (all in `dir`) in strict mode; returns its exit code and output. */
export const typeCheck = async (dir: string, files: string[]): Promise<{ code: number; output: string }> => {
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2020', module: 'ESNext', moduleResolution: 'bundler', lib: ['ES2020'],
      strict: true, noUncheckedIndexedAccess: true, noEmit: true, skipLibCheck: false,
      types: ['k6'], typeRoots: [TYPES],
      paths: { k6: [join(TYPES, 'k6', 'index.d.ts')], 'k6/*': [join(TYPES, 'k6', '*')] },
    },
    files: files.map((f) => basename(f)),
  }));
  try {
    const r = await run(process.execPath, [join(PACKAGE_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, 'tsconfig.json')]);
    return { code: 0, output: r.stdout + r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: x.code ?? 1, output: `${x.stdout ?? ''}${x.stderr ?? ''}` };
  }
};
