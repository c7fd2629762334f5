/** Access logs: sources (combined, common, nginx JSON, CSV; plain or gzip), filters, templates, and replay streams (the replay itself, `runLogReplay`, is a use case in src/app/). */
export { openLog, logRecords, type LogReader } from './read.js';
export { detectLogFormat, detectFromLines } from './detect.js';
export { createLogFilter, SAFE_METHODS, type LogFilterOptions, type LogFilter, type FilterCounts } from './filter.js';
export { createTemplater, endpointName, nameTemplates, DEFAULT_TENANT_SEGMENTS, type PathTemplate, type TemplateOptions } from './template.js';
export { createReorderBuffer, createMinHeap, type ReorderBuffer, type ReorderStats } from './reorder.js';
export { createIdRemapper, pseudonym, type RemapStats } from './remap.js';
export {
  openLogReplay, scanLogForReplay, logReplayStream, logReplayDurationMs, logPlanFactory, flattenBatches, primedStream, checkLogReplayOptions, OTHER_ENDPOINT,
  type LogReplayOptions, type LogReplaySource, type LogReplayStats, type LogScan, type LogPlanArgs,
} from './replay-source.js';
export { zoneOffset, parseAnyTime } from './time.js';
export * from './types.js';
