/** prodshape as a library: each pipeline stage's public face. */
export * from './core/errors.js';
export * from './scenario/index.js';
export * from './run/index.js';
export * from './traffic/index.js';
export * from './engine/index.js';
export * from './data/index.js';
