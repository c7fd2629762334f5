/**
 * The Database section of report.html: with no plan captured, it says why in
 * the diagnosis's words instead of always asking for `plans:`.
 */
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/analyze/index.js';
import { databaseHtml } from '../../src/observe/html.js';
import type { DatabaseSection } from '../../src/observe/findings.js';

const section: DatabaseSection = {
  statements: { available: false, top_by_total: [], top_by_mean: [], dealloc: null, timeline: [] },
  activity: null, activity_timeline: [], plans: [], log: { entries: 0, slowest: [] }, capacity: null, pool_instances: null, warnings: [],
};

const reportWith = (summary: string, how: string | null): Report => ({
  database: section,
  diagnosis: [{ step: 5, id: 'plans', title: 'Plans', status: 'not-observed', summary, details: [], how_to_enable: how }],
}) as unknown as Report;

describe('databaseHtml without plans', () => {
  it('quotes the plans step: observer off', () => {
    const html = databaseHtml(reportWith('Not observed: the PostgreSQL observer was not on for this run.', 'pass --observe postgres'));
    expect(html).toContain('the PostgreSQL observer was not on for this run');
    expect(html).toContain('To capture them: pass --observe postgres.');
    expect(html).not.toContain('<code>plans:</code>');
  });

  it('quotes the plans step: EXPLAIN failed', () => {
    const html = databaseHtml(reportWith('No plans were captured (permission denied for table orders).', null));
    expect(html).toContain('permission denied for table orders');
  });
});
