import { describe, expect, it } from 'vitest';
import { compilePathPattern, compileStatusFilter, createLogFilter } from '../../src/traffic/logs/filter.js';
import type { LogRecord } from '../../src/traffic/logs/types.js';

const rec = (method: string, target: string, status: number | null = 200): LogRecord => ({ timeMs: 0, offsetMin: 0, method, target, status, bytes: null, line: 1 });

describe('log filters', () => {
  it('keeps only safe methods unless writes are allowed', () => {
    const f = createLogFilter();
    expect(['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'DELETE', 'PATCH', 'PROPFIND'].map((m) => f.keep(rec(m, '/')))).toEqual([true, true, true, false, false, false, false, false]);
    expect(f.counts).toMatchObject({ writes: 4, 'unsupported method': 1 });
    const w = createLogFilter({ allowWrites: true });
    expect(w.keep(rec('POST', '/'))).toBe(true);
    expect(() => createLogFilter({ methods: ['GET', 'POST'] })).toThrow(/POST would change the target; add --allow-writes/);
    expect(createLogFilter({ methods: ['head'] }).keep(rec('GET', '/'))).toBe(false);
  });

  it('matches paths by glob or regex, without the query', () => {
    expect(compilePathPattern('/api/*').test('/api/orders')).toBe(true);
    expect(compilePathPattern('/api/*').test('/api/orders/1')).toBe(false);
    expect(compilePathPattern('/api/**').test('/api/orders/1')).toBe(true);
    expect(compilePathPattern('/^\\/t\\/\\d+$/').test('/t/12')).toBe(true);
    expect(compilePathPattern('^/static/').test('/static/a.css')).toBe(true);
    const f = createLogFilter({ paths: ['/tenants/**'], excludePaths: ['**/health'] });
    expect([f.keep(rec('GET', '/tenants/1/orders?x=1')), f.keep(rec('GET', '/tenants/1/health')), f.keep(rec('GET', '/other'))]).toEqual([true, false, false]);
    expect(f.counts.path).toBe(2);
    expect(() => compilePathPattern('^(')).toThrow(/invalid regular expression/);
  });

  it('selects statuses by code, class, range and negation', () => {
    const s = compileStatusFilter(['2xx,304', '!204']);
    expect([200, 204, 304, 404, 500, null].map(s)).toEqual([true, false, true, false, false, false]);
    const only = compileStatusFilter(['!5xx']);
    expect([200, 503, null].map(only)).toEqual([true, false, true]);
    expect(compileStatusFilter(['400-499'])(418)).toBe(true);
    expect(() => compileStatusFilter(['abc'])).toThrow(/expected a status like 200/);
  });

  it('rewrites paths by prefix or regex before matching', () => {
    const f = createLogFilter({ maps: ['/v1=/api/v1', '^/u/(\\d+)=/users/$1'], paths: ['/api/**', '/users/*'] });
    const a = rec('GET', '/v1/orders?x=1');
    const b = rec('GET', '/u/42');
    expect([f.keep(a), f.keep(b)]).toEqual([true, true]);
    expect([a.target, b.target]).toEqual(['/api/v1/orders?x=1', '/users/42']);
    expect(() => createLogFilter({ maps: ['nothing'] })).toThrow(/expected from=to/);
  });
});
