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

describe('databaseHtml with a Prometheus server\'s per-instance pool', () => {
  it('lists each instance with its largest readings, escaped', () => {
    const r = { ...reportWith('x', null), database: { ...section, pool_instances: [
      { instance: '10.0.0.1:8080', max_in_use: 10, max_waiting: 3, size: 10 },
      { instance: '<b>10.0.0.2:8080', max_in_use: 7, max_waiting: null, size: 10 },
    ] } } as unknown as Report;
    const html = databaseHtml(r);
    expect(html).toMatch(/<table id="pool-instances">.*<td>10\.0\.0\.1:8080<\/td><td class="num">10<\/td><td class="num">3<\/td><td class="num">10<\/td>/s);
    expect(html).toContain('<td>&lt;b&gt;10.0.0.2:8080</td><td class="num">7</td><td class="num">-</td>');
    expect(databaseHtml(reportWith('x', null))).not.toContain('pool-instances');
  });
});
