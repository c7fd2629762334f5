/**
 * The observers' analysis extension (src/analyze/diagnosis.ts
 * `AnalysisExtension`): reads the observe files of the run directory and fills
 * diagnosis step 2 (slow queries in the degraded windows) and step 5 (plans),
 * adds a note to step 3 (pg_stat_activity and the capacity sentence), adds the
 * `plan-regression` breaks, and the report's `database` section. A run without
 * observer files gets nothing from it.
 */
import type { AnalysisExtension, ExtensionResult } from '../analyze/diagnosis.js';
import { observeDiagnosis } from './diagnosis.js';
import { loadObserved } from './findings.js';

export const observeExtension: AnalysisExtension = {
  name: 'observe',
  async analyze(input): Promise<ExtensionResult> {
    const o = await loadObserved(input.run.dir);
    if (o.meta === null && o.scrapes.length === 0) return {};
    const d = observeDiagnosis(o, input.degraded);
    const steps: NonNullable<ExtensionResult['steps']> = {};
    if (d.slowQueries !== null) steps['slow-queries'] = d.slowQueries;
    if (d.plans !== null) steps.plans = d.plans;
    return {
      steps,
      breaks: d.breaks,
      ...(d.poolNote === null ? {} : { notes: { pool: d.poolNote } }),
      ...(d.database === null ? {} : { sections: { database: d.database } }),
    };
  },
};
