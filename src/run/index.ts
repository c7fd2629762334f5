/** The run directory: formats, histograms and NDJSON I/O shared by writers and readers. */
export * from './format.js';
export * from './histogram.js';
export * from './ndjson.js';
