/**
 * The demo's dataset: the default `saas-orders` scenario generated once per
 * (generator, seed, scale) and cached between runs, with its manifest.json
 * (for replay's tenant picking) beside the CSV files the loader COPYs.
 *
 * Cache root: PRODSHAPE_CACHE_DIR, else $XDG_CACHE_HOME/prodshape, else
 * ~/.cache/prodshape. Entries are written to a temporary directory and renamed
 * into place, so a run that dies half-way never leaves a partial dataset.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { readManifest, type Manifest } from '../data/manifest.js';
import { generateInterim } from './generate-interim.js';

/** Default dataset size for the demo: the biggest tenant has ~50,000 orders, the median ~200. */
export const DEFAULT_DEMO_SCALE = 5;
export const DEFAULT_DEMO_SEED = 42;

/** Version of the generator the cache entries come from; part of the key. */
const GENERATOR = 'interim1';

export interface DatasetOptions {
  seed?: number;
  scale?: number;
  /** Cache root (default: cacheRoot()). */
  cacheDir?: string;
  log?: (line: string) => void;
}

export interface Dataset {
  /** Cache key: generator, seed and scale. */
  key: string;
  dir: string;
  manifestFile: string;
  manifest: Manifest;
  /** CSV file per table. */
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
  const scale = opts.scale ?? DEFAULT_DEMO_SCALE;
  const root = join(opts.cacheDir ?? cacheRoot(), 'datasets');
  const key = `saas-orders-${GENERATOR}-seed${seed}-scale${scale}`;
  const dir = join(root, key);
  const manifestFile = join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) {
    await mkdir(root, { recursive: true });
    const tmp = await mkdtemp(join(root, `.${key}-`));
    const t0 = Date.now();
    opts.log?.(`generating the saas-orders dataset (seed ${seed}, scale ${scale}) into ${dir}`);
    try {
      await generateInterim(tmp, { seed, scale });
      await rename(tmp, dir);
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      // Another process may have finished the same dataset first: use it.
      if (!existsSync(manifestFile)) throw e;
    }
    opts.log?.(`generated in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  return { key, dir, manifestFile, manifest: await readManifest(manifestFile), files: filesIn(dir) };
};
