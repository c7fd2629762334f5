/**
 * The profiles and scenarios the k6 tests run over: this folder's fixtures,
 * plus every profile and scenario the package ships (profiles/*.yaml,
 * scenarios/*.yaml), whatever is there when the tests run.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/core/paths.js';

export const FIXTURES = join(PACKAGE_ROOT, 'test', 'k6', 'fixtures');

const yamlIn = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(dir, f)) : [];

/** Fixture profiles (spike.yaml, fractional.yaml) and the shipped ones. */
export const allProfiles = (): string[] => [
  join(FIXTURES, 'spike.yaml'),
  join(FIXTURES, 'fractional.yaml'),
  ...yamlIn(join(PACKAGE_ROOT, 'profiles')),
];

/** Fixture scenarios and the shipped ones. */
export const allScenarios = (): string[] => [
  join(FIXTURES, 'orders.yaml'),
  join(FIXTURES, 'csv-tenants.yaml'),
  join(FIXTURES, 'placeholders.yaml'),
  ...yamlIn(join(PACKAGE_ROOT, 'scenarios')),
];

/** The shipped ones only (for messages: which were found). */
export const shipped = (): { profiles: string[]; scenarios: string[] } => ({
  profiles: yamlIn(join(PACKAGE_ROOT, 'profiles')),
  scenarios: yamlIn(join(PACKAGE_ROOT, 'scenarios')),
});
