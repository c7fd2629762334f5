/**
 * The address classifier behind the safety rule: which IP addresses
 * prodshape may reach without `--allow-remote`. Pure.
 *
 * Local (allowed): loopback (127/8, ::1), RFC 1918 private (10/8, 172.16/12,
 * 192.168/16), CGNAT (100.64/10), IPv6 unique-local (fc00::/7) and the
 * unspecified addresses (0.0.0.0, ::, which connect to this machine).
 * Everything else needs `--allow-remote`, link-local included (169.254/16
 * holds cloud metadata services; fe80::/10), whatever the spelling: IPv4
 * written as one number (`2852039166`), in octal (`0251.0376.0251.0376`) or
 * hex (`0xa9fea9fe`), and IPv4-mapped IPv6 (`::ffff:169.254.169.254`,
 * `::ffff:a9fe:a9fe`) are classified as the IPv4 address they name.
 */
import { BlockList, isIP } from 'node:net';

/** What an address is, for the safety rule and its messages. */
export type AddressClass = 'loopback' | 'private' | 'shared' | 'unique-local' | 'unspecified' | 'link-local' | 'public';

/** Classes reachable without `--allow-remote`. */
const LOCAL_CLASSES: ReadonlySet<AddressClass> = new Set(['loopback', 'private', 'shared', 'unique-local', 'unspecified']);

const RANGES: Array<[AddressClass, string, number, 'ipv4' | 'ipv6']> = [
  ['loopback', '127.0.0.0', 8, 'ipv4'],
  ['private', '10.0.0.0', 8, 'ipv4'],
  ['private', '172.16.0.0', 12, 'ipv4'],
  ['private', '192.168.0.0', 16, 'ipv4'],
  ['shared', '100.64.0.0', 10, 'ipv4'],
  ['link-local', '169.254.0.0', 16, 'ipv4'],
  ['unspecified', '0.0.0.0', 32, 'ipv4'],
  ['loopback', '::1', 128, 'ipv6'],
  ['unspecified', '::', 128, 'ipv6'],
  ['unique-local', 'fc00::', 7, 'ipv6'],
  ['link-local', 'fe80::', 10, 'ipv6'],
];

const LISTS = RANGES.map(([cls, net, bits, family]) => {
  const list = new BlockList();
  list.addSubnet(net, bits, family);
  return { cls, family, list };
});

/** The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:a9fe:a9fe` → `169.254.169.254`), else null. */
const mappedIPv4 = (v6: string): string | null => {
  const canonical = new URL(`http://[${v6}]/`).hostname.slice(1, -1);
  const m = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (m?.[1] === undefined || m[2] === undefined) return null;
  const hi = parseInt(m[1], 16);
  const lo = parseInt(m[2], 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
};

/**
 * The IP address a host names, canonical (dotted IPv4, or IPv6 without
 * brackets or zone), in any spelling a URL accepts (`2852039166`, `0x7f.1`,
 * `[::ffff:a9fe:a9fe]`); IPv4-mapped IPv6 becomes the IPv4 address. Null for a
 * host name (it must be resolved).
 */
export const hostAddress = (host: string): string | null => {
  const bare = host.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIP(bare) === 6) return mappedIPv4(bare) ?? new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  if (isIP(bare) === 4) return bare;
  let parsed: string;
  try {
    parsed = new URL(`http://${bare}/`).hostname;
  } catch {
    return null;
  }
  return isIP(parsed) === 4 ? parsed : null;
};

/** Classifies an IP address (any spelling `hostAddress` accepts); a host name is 'public' (resolve it first). */
export const classifyAddress = (address: string): AddressClass => {
  const ip = hostAddress(address);
  if (ip === null) return 'public';
  const family = isIP(ip) === 4 ? 'ipv4' : 'ipv6';
  return LISTS.find((l) => l.family === family && l.list.check(ip, family))?.cls ?? 'public';
};

/** True for addresses reachable without `--allow-remote` (loopback, private, CGNAT, unique-local, unspecified). */
export const isLocalAddress = (address: string): boolean => LOCAL_CLASSES.has(classifyAddress(address));

/**
 * The safety rule's decision for the addresses a host resolved to: the ones
 * that need `--allow-remote`, each described (`169.254.169.254 (link-local)`).
 * Empty when the host may be reached.
 */
export const refusedAddresses = (addresses: readonly string[], allowRemote: boolean): string[] =>
  allowRemote ? [] : addresses.filter((a) => !isLocalAddress(a)).map((a) => `${hostAddress(a) ?? a} (${classifyAddress(a)})`);
