import { describe, expect, it } from 'vitest';
import { fillParams, pickBuckets, planTargets } from '../../src/observe/params.js';
import { matchPlan, normaliseSql, targetsForStatement, tenantParams } from '../../src/observe/slowest.js';
import type { StatementDelta } from '../../src/observe/files.js';

const tenants = [
  { id: '1', rows: 5000, ranges: { orders: [1, 5000] as [number, number] } },
  { id: '2', rows: 900 }, { id: '3', rows: 300 }, { id: '4', rows: 40 }, { id: '5', rows: 0 },
];

describe('tenant buckets and parameters', () => {
  it('picks the biggest, the median and an empty tenant', () => {
    expect(pickBuckets(tenants).map((b) => [b.bucket, b.tenant.id, b.synthetic])).toEqual([['biggest', '1', false], ['median', '3', false], ['empty', '5', false]]);
    // no empty tenant: an id nobody has
    expect(pickBuckets(tenants.slice(0, 4)).find((b) => b.bucket === 'empty')).toMatchObject({ tenant: { id: '5', rows: 0 }, synthetic: true });
    expect(pickBuckets([{ id: 'acme', rows: 3 }]).map((b) => [b.bucket, b.tenant.id])).toEqual([['biggest', 'acme'], ['empty', 'prodshape-empty-tenant']]);
  });

  it('fills {tenant} and {TABLE.id}, and says what cannot be filled', () => {
    const plan = { name: 'p', sql: 'SELECT 1', params: ['{tenant}', '{orders.id}', 'pending'] };
    expect(fillParams(plan, tenants[0]!)).toEqual({ values: ['1', '1', 'pending'] });
    expect(fillParams(plan, tenants[1]!)).toMatchObject({ error: expect.stringMatching(/no orders rows/) as unknown });
    expect(fillParams({ ...plan, params: ['{nope}'] }, tenants[0]!)).toMatchObject({ error: expect.stringMatching(/unknown placeholder/) as unknown });
    expect(planTargets({ name: 'f', sql: "SELECT * FROM t WHERE status = 'failed'", params: [] }, null)).toMatchObject([{ bucket: 'fixed', error: null }]);
    expect(planTargets({ name: 't', sql: 'SELECT * FROM t WHERE tenant_id = $1', params: ['{tenant}'] }, null)[0]?.error).toMatch(/--data DIR/);
  });

  it('matches pg_stat_statements texts to scenario plans and guesses tenant parameters', () => {
    const plans = [{ name: 'pending-orders', sql: "SELECT * FROM orders WHERE tenant_id = $1 AND status = 'pending'\n ORDER BY created_at DESC LIMIT 10", params: ['{tenant}'] }];
    expect(normaliseSql('SELECT  *  FROM orders WHERE tenant_id = $1 AND status = $2 ORDER BY created_at DESC LIMIT $3')).toBe(normaliseSql(plans[0]!.sql));
    expect(matchPlan('select * from orders where tenant_id=$1 and status=$2 order by created_at desc limit $3', plans)?.name).toBe('pending-orders');
    expect(matchPlan('SELECT * FROM other WHERE tenant_id = $1', plans)).toBeNull();
    expect(tenantParams('SELECT * FROM o WHERE o.tenant_id = $1 AND "tenant" = $2')).toEqual(['{tenant}', '{tenant}']);
    expect(tenantParams('SELECT * FROM o WHERE tenant_id = $1 AND status = $2')).toBeNull();
    const d = (query: string): StatementDelta => ({ queryid: '42', query, calls: 1, total_exec_ms: 1, mean_exec_ms: 1, total_plan_ms: 0, rows: 1, shared_blks_hit: 0, shared_blks_read: 0, temp_blks_written: 0 });
    expect(targetsForStatement(d('SELECT count(*) FROM tickets'), [], null)).toMatchObject([{ bucket: 'fixed', error: null, plan: { name: 'q42' } }]);
    expect(targetsForStatement(d('SELECT * FROM t WHERE tenant_id = $1'), [], tenants).map((t) => t.bucket)).toEqual(['biggest', 'median', 'empty']);
    expect(targetsForStatement(d('SELECT * FROM t WHERE status = $1'), [], tenants)[0]?.error).toMatch(/parameters are unknown/);
  });
});

describe('plans file', () => {
  it('diffs plan trees line by line, removals first', async () => {
    const { diffLines, comparePlans, formatComparison, buildPlansFile, parsePlansFile } = await import('../../src/observe/plans-file.js');
    expect(diffLines(['Limit', '-> Sort', '  -> Seq Scan on t'], ['Limit', '-> Index Scan using i on t'])).toEqual(['  Limit', '- -> Sort', '-   -> Seq Scan on t', '+ -> Index Scan using i on t']);
    const e = (query: string, bucket: string, fingerprint: string, tree: string[]) => ({ query, bucket, tenant: bucket === 'fixed' ? null : '1', tenant_rows: null, sql_hash: 'h', fingerprint, shape: tree.join(' '), tree });
    const snap = buildPlansFile('s', '15', [e('b', 'fixed', 'f1', ['Seq Scan on b']), e('a', 'empty', 'f2', ['X']), e('a', 'biggest', 'f3', ['Y']), e('gone', 'fixed', 'f4', ['Z'])]);
    expect(snap.plans.map((p) => `${p.query}:${p.bucket}`)).toEqual(['a:biggest', 'a:empty', 'b:fixed', 'gone:fixed']);
    expect(parsePlansFile(JSON.stringify(snap), 'f').plans).toHaveLength(4);
    expect(() => parsePlansFile('{"version":2}', 'plans.json')).toThrow(/plans.json: version/);
    const cmp = comparePlans(snap, [e('a', 'biggest', 'f3', ['Y']), e('b', 'fixed', 'f9', ['Index Scan on b']), e('new', 'fixed', 'f5', ['W'])], new Map([['a\u0000empty', 'relation "a" does not exist']]));
    expect(cmp.unchanged.map((x) => x.query)).toEqual(['a']);
    expect(cmp.changed.map((x) => x.before.query)).toEqual(['b']);
    expect(cmp.failed.map((x) => x.error)).toEqual(['relation "a" does not exist']);
    expect(cmp.removed.map((x) => x.query)).toEqual(['gone']);
    expect(cmp.added.map((x) => x.query)).toEqual(['new']);
    const text = formatComparison(cmp).join('\n');
    expect(text).toMatch(/CHANGED {2}b {2}f1 → f9/);
    expect(text).toMatch(/- Seq Scan on b\n.*\+ Index Scan on b/);
    expect(text).toMatch(/FAILED {3}a \(empty tenant 1\): relation "a" does not exist/);
  });
});
