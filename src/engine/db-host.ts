/**
 * The hosts a database connection string connects to, for the target safety
 * rule (reach.ts), and the string pinned to the addresses that rule checked.
 * Pure.
 */
import { parse as parsePg } from 'pg-connection-string';
import { isMysqlUrl } from '../core/db-kind.js';
import { inputError, type InputError } from '../core/errors.js';
import type { PinnedHost } from './reach.js';

/**
 * The hosts a database connection string may connect to, as the driver reads
 * it: node-postgres's own parser (pg-connection-string) for PostgreSQL, so a
 * host in the query (`?host=`), an empty URL host (`postgres://u@/db?host=…`,
 * which is not a WHATWG URL) or an encoded socket path read exactly as the
 * driver reads them; a PostgreSQL string without a host goes to `PGHOST`
 * from `env` (else localhost). Unix socket paths are left out (local by
 * definition). The URL host for MySQL/MariaDB. Each host as a URL for
 * checkReach: the string itself when it is a URL naming that host, else
 * `postgres://host/`.
 * A string that is not a connection string, or a host that is not a host
 * name or address, is refused (InputError naming `where.field`).
 */
export const dbHostUrls = (
  text: string,
  where: { field: string; file?: string | null; line?: number | null },
  env: Readonly<Record<string, string | undefined>> = {},
): URL[] => {
  const refuse = (message: string): InputError => inputError(where.field, message, { file: where.file ?? null, line: where.line ?? null });
  if (isMysqlUrl(text)) {
    if (!URL.canParse(text)) throw refuse('expected a URL: mysql://user:password@host:port/database');
    const url = new URL(text);
    return url.hostname === '' ? [] : [url];
  }
  let host: string | null;
  try {
    host = parsePg(text).host;
  } catch {
    throw refuse('expected a connection string: postgres://user:password@host:port/database');
  }
  // As node-postgres does: an empty host is no host (`config.host || PGHOST || localhost`).
  const named = host !== null && host !== '' ? host : env.PGHOST !== undefined && env.PGHOST !== '' ? env.PGHOST : 'localhost';
  // The string as written when it is a URL naming that host (a refusal then shows its port and database).
  const asUrl = URL.canParse(text) ? new URL(text) : null;
  if (asUrl !== null && asUrl.hostname === named && !asUrl.searchParams.has('host')) return [asUrl];
  return named.split(',').map((h) => h.replace(/^\[|\]$/g, '')).filter((h) => h !== '' && !h.startsWith('/')).map((h) => {
    try {
      return new URL(`postgres://${h.includes(':') ? `[${h}]` : h}/`);
    } catch {
      throw refuse(`${h} is not a host name or address`);
    }
  });
};

/**
 * The host to connect to for `url` given the hosts the replay checked against
 * the safety rule (`pins`): the checked address of the URL's host, so no
 * second DNS lookup can move the connection elsewhere; `localhost` and an
 * address literal stay as written; undefined without pins (the URL's host as
 * is). Null when pins are given but the host is not among them (it did not
 * resolve when checked): the caller then stays off.
 */
export const pinnedDbHost = (url: string, pins: readonly PinnedHost[] | undefined): string | null | undefined => {
  if (pins === undefined) return undefined;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || /^[\d.]+$/.test(host) || host.includes(':')) return host;
  return pins.find((p) => p.host.toLowerCase() === host)?.addresses[0]?.address ?? null;
};

/**
 * `url` with its host replaced by the checked address (pinnedDbHost), or as
 * written when it asks for TLS (`sslmode`, `ssl`: the certificate check needs
 * the name), goes to a Unix socket, or names its host in the query (checked
 * by dbHostUrls, read from there by the driver). Null when the host is not
 * among the pins.
 */
export const pinnedDbUrl = (url: string, pins: readonly PinnedHost[] | undefined): string | null => {
  if (!URL.canParse(url)) return url; // e.g. `postgres://u@/db?host=…`: its host is in the query
  const parsed = new URL(url);
  if (parsed.hostname === '' || ['host', 'sslmode', 'ssl'].some((k) => parsed.searchParams.has(k))) return url;
  const host = pinnedDbHost(url, pins);
  if (host === null || host === undefined) return host === null ? null : url;
  parsed.hostname = host.includes(':') ? `[${host}]` : host;
  return parsed.toString();
};
