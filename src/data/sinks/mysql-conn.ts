/**
 * MySQL/MariaDB URLs (`mysql://user:password@host:port/db`, `mariadb://…`)
 * and connections to them through mysql2, shared by the loader
 * (`generate --to`) and `plans snapshot|check`. The password is registered
 * as a secret and never appears in a message.
 */
import type { ConnectionOptions } from 'mysql2';
import type mysql from 'mysql2/promise';
import { RunError, errorMessage } from '../../core/errors.js';
import { registerSecret, safeDecode } from '../../core/secrets.js';
import { describeUrl } from './postgres.js';

export { isMysqlUrl } from '../../core/db-kind.js';

/** `host:port/db` of a MySQL URL, for messages (never the user or password). */
export const describeMysqlUrl = (url: string): string => describeUrl(url, '3306');

/**
 * mysql2 options of a URL: one statement per call (`multipleStatements`
 * off), dates as strings, big numbers as strings. `host` replaces the URL's
 * (a pinned address checked against the safety rule). Throws an Error for a
 * URL without a database.
 */
export const mysqlOptions = (url: string, host?: string): ConnectionOptions => {
  registerSecret(url);
  const u = new URL(url);
  const database = safeDecode(u.pathname.replace(/^\//, ''));
  if (database === '') throw new Error('the URL names no database (mysql://user:password@host:port/database)');
  return {
    host: host ?? u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || '3306'), user: safeDecode(u.username), password: safeDecode(u.password), database,
    multipleStatements: false, dateStrings: true, supportBigNumbers: true, bigNumberStrings: true, connectTimeout: 10_000,
  };
};

/** A connection; a refusal is a RunError with `code` naming the server by `host:port/db` only. */
export const connectMysql = async (url: string, code: 'PS_PG_CONNECT' | 'PS_DB_UNREACHABLE', extra: ConnectionOptions = {}): Promise<mysql.Connection> => {
  try {
    const { default: mysqlLib } = await import('mysql2/promise');
    const c = await mysqlLib.createConnection({ ...mysqlOptions(url), ...extra });
    // A connection lost later must not crash the process: the queries report it.
    c.on('error', () => undefined);
    return c;
  } catch (e) {
    throw new RunError(code, `cannot connect to MySQL/MariaDB at ${describeMysqlUrl(url)}: ${errorMessage(e)}`, {
      hint: 'check the URL (mysql://user:password@host:port/database) and that the server is running', cause: e,
    });
  }
};
