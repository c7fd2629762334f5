/**
 * The safety rule's address classifier: what may be reached without
 * `--allow-remote`, whatever way an address is spelled.
 */
import { describe, expect, it } from 'vitest';
import { classifyAddress, hostAddress, isLocalAddress, refusedAddresses } from '../../src/engine/address.js';

describe('hostAddress', () => {
  it('reads every IPv4 spelling a URL accepts as the dotted address', () => {
    for (const spelling of ['169.254.169.254', '2852039166', '0251.0376.0251.0376', '0xa9fea9fe', '0xA9.0xFE.0xA9.0xFE', '169.254.43518', '[::ffff:a9fe:a9fe]', '::ffff:169.254.169.254', '[::FFFF:A9FE:A9FE]']) {
      expect(hostAddress(spelling), spelling).toBe('169.254.169.254');
    }
    expect(hostAddress('127.1')).toBe('127.0.0.1');
    expect(hostAddress('0x7f.1')).toBe('127.0.0.1');
  });

  it('gives IPv6 in canonical form, and null for a name', () => {
    expect(hostAddress('[FE80:0:0::1]')).toBe('fe80::1');
    expect(hostAddress('fe80::1%eth0')).toBe('fe80::1');
    expect(hostAddress('localhost')).toBeNull();
    expect(hostAddress('metadata.google.internal')).toBeNull();
  });
});

describe('classifyAddress', () => {
  it('puts loopback, private, CGNAT, unique-local and unspecified addresses on the local side', () => {
    const local: Array<[string, string]> = [
      ['127.0.0.1', 'loopback'], ['127.255.0.9', 'loopback'], ['::1', 'loopback'], ['::ffff:7f00:1', 'loopback'], ['2130706433', 'loopback'],
      ['10.1.2.3', 'private'], ['172.16.0.1', 'private'], ['172.31.255.254', 'private'], ['192.168.1.1', 'private'], ['::ffff:192.168.1.1', 'private'],
      ['100.64.0.1', 'shared'], ['fd12:3456::1', 'unique-local'], ['0.0.0.0', 'unspecified'], ['::', 'unspecified'],
    ];
    for (const [a, cls] of local) {
      expect(classifyAddress(a), a).toBe(cls);
      expect(isLocalAddress(a), a).toBe(true);
    }
  });

  it('refuses link-local (cloud metadata) in every spelling, IPv4-mapped IPv6 included', () => {
    for (const a of ['169.254.169.254', '169.254.0.1', '2852039166', '0251.0376.0251.0376', '0xa9fea9fe', '::ffff:169.254.169.254', '::ffff:a9fe:a9fe', '[::ffff:a9fe:a9fe]', 'fe80::1', 'febf::1', 'fe80::1%eth0']) {
      expect(classifyAddress(a), a).toBe('link-local');
      expect(isLocalAddress(a), a).toBe(false);
    }
  });

  it('refuses public and documentation addresses, and IPv6 forms that only embed a local IPv4', () => {
    for (const a of ['192.0.2.1', '203.0.113.5', '198.51.100.7', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2001:db8::1', '::a9fe:a9fe', '64:ff9b::7f00:1', '::ffff:0:7f00:1', 'not-an-address']) {
      expect(isLocalAddress(a), a).toBe(false);
    }
    expect(classifyAddress('203.0.113.5')).toBe('public');
  });
});

describe('refusedAddresses (the decision, without connecting anywhere)', () => {
  it('names each refused address with its class, and refuses nothing with --allow-remote', () => {
    const addresses = ['10.0.0.5', '169.254.169.254', '203.0.113.5'];
    expect(refusedAddresses(addresses, false)).toEqual(['169.254.169.254 (link-local)', '203.0.113.5 (public)']);
    expect(refusedAddresses(addresses, true)).toEqual([]);
    expect(refusedAddresses(['127.0.0.1', '::1'], false)).toEqual([]);
  });
});
