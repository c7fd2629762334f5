import { describe, expect, it } from 'vitest';
import { createIdRemapper, pseudonym } from '../../src/traffic/logs/remap.js';
import { buildTenantTable } from '../../src/traffic/tenants.js';
import { createTemplater } from '../../src/traffic/logs/template.js';

describe('id remapping', () => {
  it('pseudonyms keep the shape of the id, are stable per key, and differ from it', () => {
    const cases = ['8812', '0', '3f2b8c1e-9a4d-4c7e-8b1a-2d3e4f5a6b7c', '5D41402ABC4B2A76', 'ch_3MqLWb2eZvKYlo2C0yQ8', 'a1b2c3d4e5f6g7h8i9'];
    const shapes = [/^[1-9]\d{3}$/, /^\d$/, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, /^[0-9A-F]{16}$/, /^ch_[0-9A-Za-z]{20}$/, /^[0-9A-Za-z]{18}$/];
    cases.forEach((v, i) => {
      const p = pseudonym(v, 'k');
      expect(p, v).toMatch(shapes[i]!);
      expect(pseudonym(v, 'k')).toBe(p);
      if (v.length > 1) expect(p).not.toBe(v);
    });
    expect(pseudonym('8812', 'k')).not.toBe(pseudonym('8812', 'other-seed'));
  });

  it('scales ranks down when the log has more tenants than the dataset', () => {
    const table = buildTenantTable([{ id: 'a', rows: 3 }, { id: 'b', rows: 2 }]);
    const r = createIdRemapper({ table, logTenants: ['t0', 't1', 't2', 't3'], logTenantCounts: [9, 5, 3, 1], seed: 1 });
    const t = createTemplater();
    expect(['t0', 't1', 't2', 't3'].map((id) => r.remap(`/tenants/${id}`, createTemplater({ tenantSegments: ['tenants'] })(`/tenants/${id}`).ids).tenant)).toEqual(['a', 'a', 'b', 'b']);
    expect(r.remap('/x/1', t('/x/1').ids).tenantClass).toBe('none');
  });
});
