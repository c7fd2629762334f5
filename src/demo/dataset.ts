/**
 * The demo's dataset: the package's default `saas-orders` scenario, made by
 * `prodshape generate` (src/data) as CSV files with manifest.json (for
 * replay's tenant picking), once per (prodshape version, scenario hash, seed,
 * scale), and cached between runs.
 *
 * Cache root: PRODSHAPE_CACHE_DIR, else $XDG_CACHE_HOME/prodshape, else
 * ~/.cache/prodshape. Entries are generated into a temporary directory and
 * renamed into place, so a run that dies half-way never leaves a partial one.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../core/paths.js';
import { VERSION } from '../core/version.js';
import { dataSpecHash, generateToDir, readManifest, type Manifest } from '../data/index.js';
import { loadScenario } from '../scenario/scenario.js';
import { inputError } from '../core/errors.js';
import { fmtS } from '../core/duration.js';
import { stopwatch, type Clock } from '../core/clock.js';

/**
 * Default dataset size per backend. Embedded PGlite: scale 3 (6,000 tenants,
 * 552,000 orders; the biggest tenant ~22,000, the median ~40), about 1 GB of
 * memory. PostgreSQL: scale 10 (20,000 tenants, 1.84 million orders; the
 * biggest ~57,000, the median ~40), loaded in a few seconds, so the big
 * tenants' queries stand out of a busy machine's noise.
 */
export const DEFAULT_DEMO_SCALE = { pglite: 3, postgres: 10 } as const;
export const DEFAULT_DEMO_SEED = 42;

/** The scenario the demo's data comes from: the package's own, whatever ./scenarios holds. */
export const DEMO_DATA_SCENARIO = join(PACKAGE_ROOT, 'scenarios', 'saas-orders.yaml');

export interface DatasetOptions {
  seed?: number;
  scale?: number;
  /** Cache root (default: cacheRoot()). */
  cacheDir?: string;
  log?: (line: string) => void;
  /** Times the "generated in" line [monotonicClock]. */
  clock?: Clock;
}

export interface Dataset {
  /** Cache key: prodshape version, scenario hash, seed and scale. */
  key: string;
  dir: string;
  manifestFile: string;
  manifest: Manifest;
  /** CSV file per table (with a header line). */
  files: { tenants: string; accounts: string; orders: string };
}

/** The cache root directory (not created). */
export const cacheRoot = (env: NodeJS.ProcessEnv = process.env): string =>
  env.PRODSHAPE_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'prodshape');

const filesIn = (dir: string): Dataset['files'] => ({
  tenants: join(dir, 'tenants.csv'), accounts: join(dir, 'accounts.csv'), orders: join(dir, 'orders.csv'),
});

/** Returns the cached dataset, generating it first when it is not cached yet. */
export const ensureDataset = async (opts: DatasetOptions = {}): Promise<Dataset> => {
  const seed = opts.seed ?? DEFAULT_DEMO_SEED;
  const scale = opts.scale ?? DEFAULT_DEMO_SCALE.pglite;
  const scenario = await loadScenario(DEMO_DATA_SCENARIO);
  if (scenario.data === null) throw inputError('data', 'the saas-orders scenario has no data section', { file: DEMO_DATA_SCENARIO });
  const root = join(opts.cacheDir ?? cacheRoot(), 'datasets');
  const key = `saas-orders-${VERSION}-${dataSpecHash(scenario.data)}-seed${seed}-scale${scale}`;
  const dir = join(root, key);
  const manifestFile = join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) {
    await mkdir(root, { recursive: true });
    const tmp = await mkdtemp(join(root, `.${key}-`));
    const took = stopwatch(opts.clock);
    opts.log?.(`generating the saas-orders dataset (seed ${seed}, scale ${scale}) into ${dir}`);
    try {
      await generateToDir(scenario, { out: tmp, seed, scale, format: 'csv' });
      await rename(tmp, dir);
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      // Another process may have finished the same dataset first: use it.
      if (!existsSync(manifestFile)) throw e;
    }
    opts.log?.(`generated in ${fmtS(took() / 1000)}`);
  }
  return { key, dir, manifestFile, manifest: await readManifest(manifestFile), files: filesIn(dir) };
};
