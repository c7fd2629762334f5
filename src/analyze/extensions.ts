/**
 * Analysis extensions run after the built-in detectors: each reads its own
 * files from the run directory and may fill diagnosis steps (slow queries,
 * plans, a richer pool step), add breaks (plan-regression) and add report
 * sections. The PostgreSQL observer registers its extension here.
 */
import type { AnalysisExtension } from './diagnosis.js';
import { observeExtension } from '../observe/extension.js';

/** Extensions `analyzeRunDir` runs by default. */
export const defaultExtensions: AnalysisExtension[] = [observeExtension];
