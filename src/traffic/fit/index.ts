/** Fitting access logs: rate curve → profile stages, endpoint templates, id popularity (Zipf). */
export { fitLog, fitWarnings, type FitOptions, type FitResult, type ZipfChoice } from './fit.js';
export { fitZipf, type ZipfFit } from './zipf.js';
export { dailyShape, type DailyShape } from './daily.js';
export { chooseIntervalS, rateCurve, smooth, type RateCurve } from './curve.js';
export { curveToStages, segmentCurve } from './segments.js';
export { createTimeBins, type TimeBins } from './bins.js';
export { createEndpointAggregator, type EndpointsResult, type TemplateStats } from './endpoints.js';
export { fitBlock, profileYaml, scenarioPath, scenarioYaml, tenantsCsv } from './write.js';
export { formatFitSummary } from './summary.js';
