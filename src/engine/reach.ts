/**
 * Reaching outside the process: every URL a run sends to (the target, the
 * Prometheus scrape URL, HTTP actions) is resolved once before any load,
 * checked against the safety rule (address.ts), and pinned: each connection
 * goes to the address that was checked, never through a second DNS lookup
 * that could answer differently (DNS rebinding). A connection to a host
 * that was not checked is refused, so nothing reaches an unchecked address.
 *
 * The resolver is injected (the system's DNS by default), so the decision
 * and the pinning are tested with a name whose answer changes between
 * lookups, without touching the machine's resolver. The connections
 * themselves (an undici connector and agent) are in pinned.ts.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import { errorMessage, InputError, RunError, type Problem } from '../core/errors.js';
import { redactUrl } from '../core/secrets.js';
import { hostAddress, refusedAddresses } from './address.js';

/** One address a host resolved to. */
export interface ResolvedAddress { address: string; family: 4 | 6 }

/** Resolves a host name to every address it has (the system's DNS by default). */
export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

/** The system resolver (getaddrinfo, every address, in the system's order). */
export const systemResolver: Resolver = async (host) =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

/**
 * A host checked at the start, and the addresses connections to it use:
 * every address it resolved to then (all of them passed the check), in the
 * resolver's order, so Node's happy-eyeballs still picks between IPv4 and IPv6.
 */
export interface PinnedHost { host: string; addresses: ResolvedAddress[] }

/** An outbound URL to check, and where it was written (for the error). */
export interface ReachUrl {
  url: URL;
  /** `--target`, `observe.prometheus`, `actions.deploy.http`. */
  field: string;
  file: string | null;
  line: number | null;
}

/** The host part of a URL as connections name it: no brackets around IPv6. */
export const bareHost = (hostname: string): string => hostname.replace(/^\[|\]$/g, '');

const PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

/**
 * Resolves every URL's host once, applies the safety rule to every address,
 * and returns the pins (each host with the addresses it resolved to). Throws an InputError
 * (exit 1, code PS_TARGET_REMOTE) naming every URL outside loopback and
 * private networks unless `allowRemote`, and a RunError (exit 3) when the
 * first URL (the target) does not resolve; another URL that does not resolve
 * is left unpinned, so its requests fail (recorded) instead of guessing.
 */
export const checkReach = async (urls: readonly ReachUrl[], opts: { allowRemote: boolean; resolve?: Resolver }): Promise<PinnedHost[]> => {
  const resolve = opts.resolve ?? systemResolver;
  const resolved = new Map<string, ResolvedAddress[] | null>();
  const problems: Problem[] = [];
  for (const [i, r] of urls.entries()) {
    const host = bareHost(r.url.hostname);
    if (!resolved.has(host)) {
      const literal = hostAddress(host);
      if (literal !== null) {
        resolved.set(host, [{ address: literal, family: literal.includes(':') ? 6 : 4 }]);
      } else {
        try {
          const found = await resolve(host);
          if (found.length === 0) throw new Error('no addresses');
          resolved.set(host, found);
        } catch (e) {
          resolved.set(host, null);
          if (i === 0) throw new RunError('PS_TARGET_UNRESOLVED', `cannot resolve the ${r.field} host "${host}" (${errorMessage(e)})`, { hint: `check the ${r.field} URL` });
        }
      }
    }
    const addresses = resolved.get(host) ?? [];
    const refused = refusedAddresses(addresses.map((a) => a.address), opts.allowRemote);
    if (refused.length > 0) {
      const what = hostAddress(host) === null ? `${host} resolves to ${refused.join(', ')}` : refused.join(', ');
      problems.push({ file: r.file, line: r.line, field: r.field, message: `${redactUrl(r.url)}: ${what}, outside loopback and private networks` });
    }
  }
  if (problems.length > 0) {
    throw new InputError(problems, {
      hint: 'prodshape sends load and reaches only loopback and private networks (link-local and cloud metadata addresses included in the refusal): point it at staging on a private network, or pass --allow-remote if you own every host named',
      code: 'PS_TARGET_REMOTE',
    });
  }
  const pins: PinnedHost[] = [];
  for (const [host, addresses] of resolved) if (addresses !== null) pins.push({ host, addresses });
  return pins;
};

/** The default port of a URL made explicit (for messages and connects). */
export const portOf = (url: URL): number => Number(url.port || PORTS[url.protocol] || '80');

/** The error of a connection to a host the start did not check. */
export const notChecked = (host: string, code: string): NodeJS.ErrnoException => {
  const err: NodeJS.ErrnoException = new Error(`${host} was not checked against the safety rule at the start of the run: not connected`);
  err.code = code;
  return err;
};

/**
 * A `lookup` for `net.connect` that answers only with the pinned addresses
 * of a checked host (the first when one is asked for), and fails for any
 * other host (never asks DNS).
 */
export const pinnedLookup = (pins: readonly PinnedHost[]) =>
  (hostname: string, options: { all?: boolean }, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void): void => {
    const pin = pins.find((p) => p.host === bareHost(hostname).toLowerCase());
    if (pin === undefined) {
      callback(notChecked(hostname, 'ENOTFOUND'), '');
      return;
    }
    const first = pin.addresses[0];
    if (options.all === true) callback(null, pin.addresses.map((a) => ({ address: a.address, family: a.family })));
    else callback(null, first?.address ?? '', first?.family);
  };
