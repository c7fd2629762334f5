/**
 * HTTP for the engine: a keep-alive pool per target with a fixed number of
 * connections (the engine's own HTTP/1.1 client for `http:` targets,
 * h1-client.ts; an undici Pool for `https:`), and the classification of what
 * went wrong.
 */
import { Pool } from 'undici';
import type { ErrorClass } from '../run/format.js';
import { H1Client, type HotDispatcher } from './h1-client.js';
import { pinnedConnector } from './pinned.js';
import type { PinnedHost } from './reach.js';

/** Options of the connection pool to the target. */
export interface PoolOptions {
  /** Connections kept to the target (default 100). */
  connections: number;
  /** Per-request timeout, ms: the pool's header/body timeouts are set just above it as a backstop. */
  timeoutMs: number;
  /** TCP connect timeout, ms (default min(timeoutMs, 10 s)). */
  connectTimeoutMs?: number;
  /** Addresses checked at the start (reach.ts): connect only to these, no DNS lookup [DNS at connect]. */
  pins?: readonly PinnedHost[];
}

/** A keep-alive pool to `target`'s origin: the engine's own client for `http:`, undici's Pool for `https:`. */
export const createPool = (target: URL, opts: PoolOptions): HotDispatcher => {
  const connectTimeoutMs = opts.connectTimeoutMs ?? Math.min(opts.timeoutMs, 10_000);
  if (target.protocol === 'http:') {
    return new H1Client(target, { connections: opts.connections, timeoutMs: opts.timeoutMs, connectTimeoutMs, ...(opts.pins ? { pins: opts.pins } : {}) });
  }
  return new Pool(target.origin, {
    connections: opts.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    headersTimeout: opts.timeoutMs + 1000,
    bodyTimeout: opts.timeoutMs + 1000,
    connect: opts.pins ? pinnedConnector(opts.pins, connectTimeoutMs) : { timeout: connectTimeoutMs },
  });
};

const CONNECT = new Set(['PS_NOT_CHECKED', 'PS_CONNECT_TIMEOUT', 'ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL']);
const RESET = new Set(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE', 'UND_ERR_CLOSED', 'ECONNABORTED']);
const TIMEOUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT', 'PS_TIMEOUT']);

/** Error class of a transport error (undici and system error codes). */
export const classifyError = (e: unknown): ErrorClass => {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (CONNECT.has(code)) return 'connect';
    if (RESET.has(code)) return 'reset';
    if (TIMEOUT.has(code)) return 'timeout';
  }
  const cause = (e as { cause?: unknown } | null)?.cause;
  return cause !== undefined && cause !== e ? classifyError(cause) : 'other';
};

/** Error class of a response status, or null for success (1xx–3xx). */
export const classifyStatus = (status: number): ErrorClass | null =>
  status >= 500 ? '5xx' : status >= 400 ? '4xx' : status >= 100 ? null : 'other';

/** The error the engine aborts a request with when its deadline passes. */
export class RequestTimeoutError extends Error {
  readonly code = 'PS_TIMEOUT';
  constructor(timeoutMs: number) {
    super(`request timed out after ${timeoutMs} ms`);
    this.name = 'RequestTimeoutError';
  }
}
