/**
 * The target: parsing, the safety rule (loopback and private networks only
 * unless `--allow-remote`), and the reachability check before a run. (The
 * demo service that `replay` starts when no `--target` is given is the CLI's
 * doing: src/demo/first-run.ts; it arrives here as a URL.)
 */
import { connect } from 'node:net';
import { inputError, RunError, errorMessage } from '../core/errors.js';
import { bareHost, checkReach, pinnedLookup, portOf, type PinnedHost, type Resolver } from './reach.js';

export { isLocalAddress } from './address.js';

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
 * every address the hostname resolves to must be local (address.ts). Exit
 * code 1 with a hint. Resolves the host once and returns the addresses
 * every connection to it must use.
 */
export const checkTargetAllowed = async (url: URL, allowRemote: boolean, resolve?: Resolver): Promise<PinnedHost[]> =>
  checkReach([{ url, field: '--target', file: null, line: null }], { allowRemote, ...(resolve ? { resolve } : {}) });

/**
 * Checks that a TCP connection to the target opens (before any arrival);
 * RunError (exit 3) when not. With `pins`, connects to the target's pinned
 * addresses (no second DNS lookup).
 */
export const checkTargetReachable = (url: URL, timeoutMs = 5000, pins: readonly PinnedHost[] = []): Promise<void> =>
  new Promise((resolve, reject) => {
    const pinned = pins.length > 0 ? { lookup: pinnedLookup(pins) } : {};
    const socket = connect({ host: bareHost(url.hostname), port: portOf(url), ...pinned });
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
