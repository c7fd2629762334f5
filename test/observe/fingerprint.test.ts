import { describe, expect, it } from 'vitest';
import { fingerprintNode, planFlags, shapeLine, shapeTree, summarisePlan, type PlanNode } from '../../src/observe/fingerprint.js';

const indexPlan = (rows: number, cost: number): PlanNode => ({
  'Node Type': 'Limit', 'Total Cost': cost, 'Plan Rows': 10,
  Plans: [{ 'Node Type': 'Index Scan', 'Parent Relationship': 'Outer', 'Scan Direction': 'Backward', 'Index Name': 'orders_created_idx', 'Relation Name': 'orders', 'Plan Rows': rows, Filter: '(tenant_id = 5)' }],
});

describe('plan fingerprints', () => {
  it('ignore costs, rows and conditions but see structure', () => {
    expect(fingerprintNode(indexPlan(736, 1.5))).toBe(fingerprintNode(indexPlan(3, 900)));
    expect(fingerprintNode(indexPlan(736, 1.5))).toMatch(/^[0-9a-f]{16}$/);
    const seq: PlanNode = { 'Node Type': 'Limit', Plans: [{ 'Node Type': 'Seq Scan', 'Parent Relationship': 'Outer', 'Relation Name': 'orders' }] };
    expect(fingerprintNode(seq)).not.toBe(fingerprintNode(indexPlan(736, 1.5)));
  });

  it('render a line and a tree', () => {
    expect(shapeLine(indexPlan(1, 1))).toBe('Limit → Index Scan Backward using orders_created_idx on orders');
    const join: PlanNode = { 'Node Type': 'Hash Join', 'Join Type': 'Left', Plans: [{ 'Node Type': 'Seq Scan', 'Relation Name': 'a' }, { 'Node Type': 'Hash', Plans: [{ 'Node Type': 'Seq Scan', 'Relation Name': 'b' }] }] };
    expect(shapeLine(join)).toBe('Hash Join (Left) (Seq Scan on a; Hash → Seq Scan on b)');
    expect(shapeTree(join)).toEqual(['Hash Join (Left)', '-> Seq Scan on a', '-> Hash', '  -> Seq Scan on b']);
  });

  it('flag estimates off by 10x, seq scans on big tables, filters that discard most rows', () => {
    const plan: PlanNode = {
      'Node Type': 'Limit', 'Plan Rows': 10, 'Actual Rows': 0, 'Actual Loops': 1,
      Plans: [{ 'Node Type': 'Index Scan', 'Index Name': 'orders_created_idx', 'Relation Name': 'orders', 'Plan Rows': 736, 'Actual Rows': 0, 'Actual Loops': 1, 'Rows Removed by Filter': 2_000_000 }],
    };
    const kinds = planFlags(plan).map((f) => `${f.kind}:${f.node}`);
    expect(kinds).toContain('estimate:Index Scan using orders_created_idx on orders');
    expect(kinds).toContain('filter:Index Scan using orders_created_idx on orders');
    const seq: PlanNode = { 'Node Type': 'Seq Scan', 'Relation Name': 'tickets', 'Plan Rows': 34_000, 'Actual Rows': 34_848, 'Actual Loops': 1 };
    expect(planFlags(seq).map((f) => f.kind)).toEqual(['seq-scan']);
    expect(planFlags({ 'Node Type': 'Seq Scan', 'Relation Name': 'tiny', 'Plan Rows': 5 })).toEqual([]);
    expect(planFlags({ 'Node Type': 'Seq Scan', 'Relation Name': 'big', 'Plan Rows': 5 }, new Map([['big', 50_000]])).map((f) => f.kind)).toEqual(['seq-scan']);
    // 1 vs 9 rows is not worth a flag
    expect(planFlags({ 'Node Type': 'Index Scan', 'Plan Rows': 1, 'Actual Rows': 9, 'Actual Loops': 1 })).toEqual([]);
  });

  it('count the rows a plan examined and the blocks it touched', async () => {
    const { planRowsExamined, planBlocks } = await import('../../src/observe/fingerprint.js');
    const p: PlanNode = {
      'Node Type': 'Limit', 'Actual Rows': 10, 'Actual Loops': 1, 'Shared Hit Blocks': 2000, 'Shared Read Blocks': 142,
      Plans: [{ 'Node Type': 'Bitmap Heap Scan', 'Actual Rows': 618, 'Actual Loops': 1, 'Rows Removed by Filter': 19_451, Plans: [{ 'Node Type': 'Bitmap Index Scan', 'Actual Rows': 20_069, 'Actual Loops': 1 }] },
        { 'Node Type': 'Index Scan', 'Actual Rows': 2, 'Actual Loops': 5 }],
    };
    expect(planRowsExamined(p)).toBe(618 + 19_451 + 10);
    expect(planBlocks(p)).toBe(2142);
    expect(planRowsExamined({ 'Node Type': 'Seq Scan', 'Plan Rows': 5 })).toBeNull();
  });

  it('summarise EXPLAIN JSON output', () => {
    const s = summarisePlan([{ Plan: indexPlan(1, 1), 'Planning Time': 0.1234, 'Execution Time': 5.5 }]);
    expect(s?.planningMs).toBe(0.123);
    expect(s?.executionMs).toBe(5.5);
    expect(summarisePlan([{}])).toBeNull();
  });
});

describe('estimate flags under a Limit', () => {
  it('do not flag nodes a Limit stopped early, but do flag what a blocking node fully read', () => {
    const plan: PlanNode = {
      'Node Type': 'Limit', 'Plan Rows': 10, 'Actual Rows': 10, 'Actual Loops': 1,
      Plans: [{
        'Node Type': 'Sort', 'Plan Rows': 7437, 'Actual Rows': 10, 'Actual Loops': 1,
        Plans: [{ 'Node Type': 'Bitmap Heap Scan', 'Relation Name': 't', 'Plan Rows': 7437, 'Actual Rows': 70, 'Actual Loops': 1 }],
      }, { 'Node Type': 'Index Scan', 'Relation Name': 'u', 'Plan Rows': 5, 'Actual Rows': 900, 'Actual Loops': 1 }],
    };
    expect(planFlags(plan).map((f) => f.node)).toEqual(['Bitmap Heap Scan on t', 'Index Scan on u']);
  });
});
