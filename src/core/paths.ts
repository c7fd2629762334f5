/**
 * Where things are: the package's own folders (profiles/, scenarios/) and the
 * lookup of a scenario or profile given as a path or a bare name.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inputError } from './errors.js';

/** The package root: this file is src/core/paths.ts or dist/core/paths.js. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The kind of file a bare name is looked up as. */
export type Lookup = 'scenarios' | 'profiles';

/** Names available for a lookup (from ./NAME and the package's folder), for error hints. */
export const availableNames = (kind: Lookup, cwd = process.cwd()): string[] => {
  const names = new Set<string>();
  for (const dir of [join(cwd, kind), join(PACKAGE_ROOT, kind)]) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) if (/\.ya?ml$/.test(f)) names.add(f.replace(/\.ya?ml$/, ''));
  }
  return [...names].sort();
};

/**
 * Resolves `S`/`P` as docs/design.md "CLI" says: an existing path as given; otherwise a
 * bare name looked up in `./scenarios` (or `./profiles`), then the package's own.
 * Throws an InputError listing the names that exist.
 */
export const resolveNamed = (kind: Lookup, nameOrPath: string, flag: string, cwd = process.cwd()): string => {
  const direct = isAbsolute(nameOrPath) ? nameOrPath : resolve(cwd, nameOrPath);
  if (existsSync(direct) && /\.ya?ml$/.test(direct)) return direct;
  if (!nameOrPath.includes('/') && !nameOrPath.includes('\\')) {
    const base = nameOrPath.replace(/\.ya?ml$/, '');
    for (const dir of [join(cwd, kind), join(PACKAGE_ROOT, kind)]) {
      for (const ext of ['.yaml', '.yml']) {
        const candidate = join(dir, base + ext);
        if (existsSync(candidate)) return candidate;
      }
    }
  }
  const names = availableNames(kind, cwd);
  throw inputError(flag, `no ${kind === 'scenarios' ? 'scenario' : 'profile'} named "${nameOrPath}"`, {
    hint: `give a path to a YAML file, or one of: ${names.join(', ') || '(none found)'}`,
    code: 'PS_NOT_FOUND',
  });
};
