/**
 * Pinned connections (reach.ts decides what is checked): an undici connector
 * and agent that connect only to the hosts checked at the start, at the
 * addresses they were checked at. Apart from reach.ts so that checking the
 * inputs does not load the HTTP client.
 */
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { bareHost, notChecked, pinnedLookup, type PinnedHost } from './reach.js';

/**
 * An undici connector that connects only to checked hosts, at their pinned
 * address (the Host header and TLS server name stay the URL's). IP-literal
 * hosts are pinned to themselves, so an unchecked IP is refused too.
 */
export const pinnedConnector = (pins: readonly PinnedHost[], timeoutMs: number): buildConnector.connector => {
  const connect = buildConnector({ timeout: timeoutMs, lookup: pinnedLookup(pins) });
  return (options, callback) => {
    const host = bareHost(options.hostname).toLowerCase();
    if (!pins.some((p) => p.host === host)) {
      callback(notChecked(host, 'PS_NOT_CHECKED'), null);
      return;
    }
    connect(options, callback);
  };
};

/** A dispatcher for scrapes and actions: pinned connections, no redirect following (undici's default). */
export const createReachAgent = (pins: readonly PinnedHost[], connectTimeoutMs = 10_000): Dispatcher =>
  new Agent({ connect: pinnedConnector(pins, connectTimeoutMs) });
