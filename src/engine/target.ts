/**
 * The target: parsing, the safety rule (loopback and private networks only
 * unless `--allow-remote`), and the reachability check before a run. (The
 * demo service that `replay` starts when no `--target` is given is the CLI's
 * doing: src/demo/first-run.ts; it arrives here as a URL.)
 */
import { lookup } from 'node:dns/promises';
import { BlockList, connect, isIP } from 'node:net';
import { inputError, RunError, errorMessage } from '../core/errors.js';

const LOCAL = new BlockList();
for (const [net, bits] of [['127.0.0.0', 8], ['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['169.254.0.0', 16], ['100.64.0.0', 10]] as const) {
  LOCAL.addSubnet(net, bits, 'ipv4');
}
LOCAL.addAddress('0.0.0.0', 'ipv4');
LOCAL.addAddress('::1', 'ipv6');
LOCAL.addAddress('::', 'ipv6');
LOCAL.addSubnet('fc00::', 7, 'ipv6');
LOCAL.addSubnet('fe80::', 10, 'ipv6');

/** True for loopback, RFC 1918 private, CGNAT, link-local and IPv6 unique-local addresses. */
export const isLocalAddress = (address: string): boolean => {
  const fam = isIP(address);
  if (fam === 0) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1] !== undefined) return LOCAL.check(mapped[1], 'ipv4');
  return LOCAL.check(address, fam === 4 ? 'ipv4' : 'ipv6');
};

/** Parses `--target`: an http(s) URL; a bare `host:port` means http. */
export const parseTarget = (text: string): URL => {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw inputError('--target', `not a URL: ${JSON.stringify(text)}`, { hint: 'e.g. --target http://127.0.0.1:8080' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw inputError('--target', `expected an http:// or https:// URL, got ${url.protocol}`);
  return url;
};

/** The target as written to run.json: credentials removed. */
export const publicTarget = (url: URL): string => {
  const u = new URL(url.href);
  u.username = '';
  u.password = '';
  return u.href.replace(/\/$/, '');
};

/**
 * Refuses targets outside loopback and private ranges unless `allowRemote`:
 * every address the hostname resolves to must be local. Exit code 1 with a hint.
 */
export const checkTargetAllowed = async (url: URL, allowRemote: boolean): Promise<void> => {
  if (allowRemote) return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host) !== 0 ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  } catch (e) {
    throw new RunError('PS_TARGET_UNRESOLVED', `cannot resolve the target host "${host}" (${errorMessage(e)})`, { hint: 'check the --target URL' });
  }
  const remote = addresses.filter((a) => !isLocalAddress(a));
  if (remote.length > 0) {
    throw inputError('--target', `${host} resolves to ${remote.join(', ')}, outside loopback and private networks`, {
      hint: 'prodshape sends load: point it at staging on a private network, or pass --allow-remote if you own the target',
      code: 'PS_TARGET_REMOTE',
    });
  }
};

/** Checks that a TCP connection to the target opens (before any arrival); RunError (exit 3) when not. */
export const checkTargetReachable = (url: URL, timeoutMs = 5000): Promise<void> =>
  new Promise((resolve, reject) => {
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const socket = connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port });
    const fail = (why: string): void => {
      socket.destroy();
      reject(new RunError('PS_TARGET_UNREACHABLE', `the target ${publicTarget(url)} is unreachable (${why})`, { hint: 'start the service under test first, or check --target' }));
    };
    socket.setTimeout(timeoutMs, () => fail(`no connection after ${timeoutMs / 1000} s`));
    socket.once('error', (e) => fail((e as NodeJS.ErrnoException).code ?? errorMessage(e)));
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
  });

/** A target the run uses, and how to release it afterwards (a demo service started for the run). */
export interface ResolvedTarget { url: URL; release: () => Promise<void>; startedByUs: boolean }

/**
 * Resolves the run's target: the `--target` URL. Without one it is an input
 * error (the CLI starts the demo before it gets here when that is what the
 * user asked for).
 */
export const resolveTarget = (target: string | undefined): Promise<ResolvedTarget> => {
  if (target !== undefined && target !== '') return Promise.resolve({ url: parseTarget(target), release: () => Promise.resolve(), startedByUs: false });
  throw inputError('--target', 'no target given', {
    hint: 'pass --target http://HOST:PORT (the service under test); only `prodshape replay --profile P` with the demo scenario runs without one, against the bundled demo service',
    code: 'PS_NO_TARGET',
  });
};
