/**
 * The k6 stage's public face: export a scenario × profile to a TypeScript k6
 * script (`prodshape k6`), and import k6's JSON results into a run directory
 * (`prodshape report --from-k6`), so one machine's limit is never the test's.
 */
export { exportK6, renderK6Export, type K6ExportOptions, type K6ExportResult, type K6Rendered } from './export.js';
export { importK6Results, classifyK6Error, type K6ImportOptions, type K6ImportResult, type K6RunMetadata } from './import.js';
export { parseK6Line, parseK6Time, type K6Line } from './k6-json.js';
export { profileToK6Arrival, k6ExpectedIterations, sizeVus, formatK6Duration, type K6Arrival, type K6Stage } from './stages.js';
export { thresholdMetric, thresholdExpression, sloThresholds } from './slo.js';
export type { K6ScriptPlan } from './plan.js';
