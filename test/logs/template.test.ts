import { describe, expect, it } from 'vitest';
import { createTemplater, endpointName, isIdLike } from '../../src/traffic/logs/template.js';

describe('endpoint templates', () => {
  const t = createTemplater();

  it('collapses ids and names them after their collection, the tenant first', () => {
    expect(t('/tenants/8812/orders?status=pending')).toEqual({
      template: '/tenants/{tenant}/orders', ids: [{ name: 'tenant', value: '8812', segment: 2, suffix: '' }],
    });
    expect(t('/tenants/8812/orders/77').template).toBe('/tenants/{tenant}/orders/{orders.id}');
    expect(t('/accounts/3f2b8c1e-9a4d-4c7e-8b1a-2d3e4f5a6b7c/users/42').template).toBe('/accounts/{tenant}/users/{users.id}');
    expect(t('/orgs/5/teams/6/members/7').template).toBe('/orgs/{tenant}/teams/{teams.id}/members/{members.id}');
    expect(t('/42').template).toBe('/{id}');
    expect(t('/files/123456.pdf')).toMatchObject({ template: '/files/{files.id}.pdf', ids: [{ value: '123456', suffix: '.pdf' }] });
    expect(t('/blobs/5d41402abc4b2a76b9719d911017c592').template).toBe('/blobs/{blobs.id}');
    expect(t('/charges/ch_3MqLWb2eZvKYlo2C0yQ8').template).toBe('/charges/{charges.id}');
    expect(t('/a/1/2').template).toBe('/a/{a.id}/{id}');
  });

  it('keeps words, slugs, versions and dates-in-words as they are', () => {
    for (const p of ['/', '/health', '/api/v1/orders', '/presentations/logstash-monitorama-2013/images/kibana.png', '/images/jordan-80.png', '/blog/tags/puppet', '/tenants/settings']) {
      expect(t(p)).toEqual({ template: p, ids: [] });
    }
    expect(isIdLike('deadbeef')).toBe(false);
    expect(isIdLike('SearchResponse')).toBe(false);
  });

  it('takes any value after a tenant segment the user names, slugs too', () => {
    const named = createTemplater({ tenantSegments: ['shops'] });
    expect(named('/shops/acme-corp/products/99').template).toBe('/shops/{tenant}/products/{products.id}');
    expect(named('/tenants/12/x').template).toBe('/tenants/{tenants.id}/x');
  });

  it('names endpoints for scenarios', () => {
    expect(endpointName('GET', '/tenants/{tenant}/orders/{orders.id}')).toBe('get-tenants-tenant-orders-id');
    expect(endpointName('GET', '/')).toBe('get-root');
    expect(endpointName('POST', '/favicon.ico')).toBe('post-favicon.ico');
    expect(endpointName('GET', '/a b/%20c')).toMatch(/^[A-Za-z0-9_.:-]+$/);
  });
});
