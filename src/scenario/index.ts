/** Scenario and profile loading: the validated inputs every other stage reads. */
export * from './scenario.js';
export * from './profile.js';
export type { DataSpec } from './data-spec.js';
