/** prodshape as a library: each pipeline stage's public face. */
export * from './core/errors.js';
export * from './scenario/index.js';
export * from './run/index.js';
export * from './traffic/index.js';
export * from './engine/index.js';
export * from './data/index.js';
/** The use cases (`runReplay`, `replayPlan`, `runLogReplay`, …). */
export * from './app/index.js';
/** Access logs (sources, filters, templates, replay streams) and fitting (`fitLog`). */
export * as logs from './traffic/logs/index.js';
export * as fit from './traffic/fit/index.js';
