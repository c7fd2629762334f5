/**
 * The hosts a database URL connects to, for the target safety rule, and the
 * URL pinned to the checked address. Pure.
 */
import { describe, expect, it } from 'vitest';
import { dbHostUrls, pinnedDbUrl } from '../../src/engine/db-host.js';
import { outboundUrls } from '../../src/engine/outbound.js';
import { parseScenario } from '../../src/scenario/scenario.js';
import { InputError } from '../../src/core/errors.js';

const hosts = (url: string, env: Record<string, string> = {}): string[] => dbHostUrls(url, { field: '--pg' }, env).map((u) => u.hostname);

describe('dbHostUrls', () => {
  it('checks the URL host, or every host named in the query, and nothing for a Unix socket', () => {
    expect(hosts('postgres://u:p@db.internal:5432/shop')).toEqual(['db.internal']);
    expect(hosts('postgres://u:p@127.0.0.1/shop?host=10.0.0.5')).toEqual(['10.0.0.5']);
    expect(hosts('postgres://u:p@127.0.0.1/shop?host=10.0.0.5,8.8.8.8')).toEqual(['10.0.0.5', '8.8.8.8']);
    expect(hosts('postgres://u:p@x/shop?host=%3A%3A1')).toEqual(['[::1]']);
    expect(hosts('postgres://u@/shop?host=/var/run/postgresql')).toEqual([]);
    expect(hosts('postgres://u@%2Fvar%2Frun%2Fpostgresql/shop')).toEqual([]);
    // not a WHATWG URL, but node-postgres connects to the host in the query: so it is checked
    expect(hosts('postgres://u:p@/shop?host=8.8.8.8')).toEqual(['8.8.8.8']);
    // no host at all: the driver takes PGHOST
    expect(hosts('postgres:///shop', { PGHOST: '203.0.113.9' })).toEqual(['203.0.113.9']);
    expect(hosts('postgres:///shop')).toEqual(['localhost']);
    // MySQL URLs have no host parameter: the URL's host is the one
    expect(hosts('mysql://u:p@10.1.2.3:3306/shop?host=8.8.8.8')).toEqual(['10.1.2.3']);
  });

  it('refuses a host parameter that is not a host, rather than checking the URL host instead', () => {
    expect(() => dbHostUrls('postgres://u@127.0.0.1/db?host=a%20b', { field: '--pg' })).toThrow(InputError);
    expect(() => dbHostUrls('mysql://u@[bad/db', { field: 'observe.mysql.url' })).toThrow(InputError);
  });
});

describe('pinnedDbUrl', () => {
  const pins = [{ host: 'db.internal', addresses: [{ address: '10.0.0.7', family: 4 as const }] }];
  it('replaces a checked name by its address, and keeps what must stay a name', () => {
    expect(pinnedDbUrl('postgres://u:p@db.internal:5432/shop', pins)).toBe('postgres://u:p@10.0.0.7:5432/shop');
    expect(pinnedDbUrl('postgres://u:p@unknown.internal/shop', pins)).toBeNull();
    expect(pinnedDbUrl('postgres://u:p@db.internal/shop?sslmode=require', pins)).toBe('postgres://u:p@db.internal/shop?sslmode=require');
    expect(pinnedDbUrl('postgres://u:p@localhost/shop', pins)).toBe('postgres://u:p@localhost/shop');
    expect(pinnedDbUrl('postgres:///shop', pins)).toBe('postgres:///shop');
    expect(pinnedDbUrl('postgres://u:p@db.internal/shop', undefined)).toBe('postgres://u:p@db.internal/shop');
  });
});

describe('outboundUrls: the databases a replay observes', () => {
  const withPg = parseScenario('name: s\nendpoints:\n  - { name: a, path: /a }\nobserve:\n  postgres: { url: "postgres://u:p@10.9.8.7/shop" }\n  mysql: { url: "mysql://u:p@10.1.2.3/shop" }\n');
  it('checks observe.postgres.url and observe.mysql.url', () => {
    const urls = outboundUrls(new URL('http://127.0.0.1:1'), withPg, {}, []);
    expect(urls.map((u) => [u.field, u.url.hostname])).toEqual([['--target', '127.0.0.1'], ['observe.postgres.url', '10.9.8.7'], ['observe.mysql.url', '10.1.2.3']]);
  });
  it('checks --pg instead of observe.postgres.url when given (it replaces it)', () => {
    const urls = outboundUrls(new URL('http://127.0.0.1:1'), withPg, {}, [], 'postgres://u:p@192.168.1.2/shop');
    expect(urls.map((u) => [u.field, u.url.hostname])).toEqual([['--target', '127.0.0.1'], ['--pg', '192.168.1.2'], ['observe.mysql.url', '10.1.2.3']]);
  });
});
