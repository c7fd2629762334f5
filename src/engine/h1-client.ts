/**
 * The engine's own HTTP/1.1 client for `http:` targets: keep-alive
 * connections on `net.Socket`, one request at a time per connection, a FIFO
 * queue when all are busy. It exists for the replay's hot path, where a
 * general client's per-request objects, header handling and stream layers
 * cost more than the request itself: requests are rendered once per (method,
 * path) into a Buffer and written in one call; responses are read by
 * h1-parser.ts and never kept.
 *
 * It implements the part of undici's Dispatcher the share uses: `dispatch`
 * with a handler's legacy callbacks (`onConnect(abort)` at once, `onHeaders`,
 * `onComplete`, `onError`; `onData` is never called: bodies are skipped) and
 * `destroy`. Errors carry the codes `classifyError` (http.ts) sorts: system
 * codes (ECONNREFUSED, ECONNRESET, ...), PS_CONNECT_TIMEOUT, PS_TIMEOUT (the
 * backstop), PS_BAD_RESPONSE, PS_NOT_CHECKED (a host the start did not
 * check: nothing connects to it).
 */
import { connect, type Socket } from 'node:net';
import type { Dispatcher } from 'undici';
import { ResponseParser } from './h1-parser.js';
import { bareHost, notChecked, pinnedLookup, portOf, type PinnedHost } from './reach.js';

/** What the share needs of a dispatcher (undici's Dispatcher has it too). */
export interface HotDispatcher {
  dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean;
  destroy(): Promise<void>;
  /** Opens the connections before the first request (so the run's first second does not pay for connects). */
  warm?(): void;
}

/** The handler callbacks this client calls (undici's legacy handler interface). */
interface Handler {
  onConnect?(abort: (err?: Error) => void): void;
  onHeaders?(status: number, headers: Buffer[], resume: () => void, statusText: string): boolean;
  onComplete?(trailers: Buffer[] | null): void;
  onError?(err: Error): void;
}

/** Options of the client. */
export interface H1Options {
  /** Connections kept to the target at most. */
  connections: number;
  /** Per-request timeout, ms: a request unanswered for this plus 1 s is failed (`PS_TIMEOUT`) as a backstop. */
  timeoutMs: number;
  /** TCP connect timeout, ms. */
  connectTimeoutMs: number;
  /** Addresses checked at the start (reach.ts): connect only to these, no DNS lookup [DNS at connect]. */
  pins?: readonly PinnedHost[];
}

/** A connection's or request's error with a code for classifyError. */
const codedError = (code: string, message: string): NodeJS.ErrnoException => Object.assign(new Error(message), { code });

/** Rendered requests kept per (method, path) at most; beyond it each is rendered when sent. */
const RENDER_CACHE_MAX = 10_000;
/** How often the backstop looks for requests past their timeout, ms. */
const BACKSTOP_TICK_MS = 1000;
/** A kept-alive connection is not reused this close to the server's announced idle timeout, ms (as undici). */
const KEEP_ALIVE_MARGIN_MS = 1000;

/** A request: queued, on a connection, or settled. */
class Req {
  settled = false;
  conn: Conn | null = null;
  sentTick = 0;
  constructor(readonly bytes: Buffer, readonly head: boolean, readonly handler: Handler, readonly client: H1Client) {}
  readonly abort = (err?: Error): void => this.client.abort(this, err ?? codedError('UND_ERR_ABORTED', 'request aborted'));
}

/** One keep-alive connection. */
class Conn {
  readonly socket: Socket;
  readonly parser: ResponseParser;
  current: Req | null = null;
  /** Reuse only before this time (performance.now() ms); Infinity when the server gave no timeout. */
  reuseUntil = Infinity;
  private error: Error | null = null;
  private connectTimer: NodeJS.Timeout | null;

  constructor(readonly client: H1Client, host: string, port: number, connectTimeoutMs: number, pins: readonly PinnedHost[] | undefined) {
    this.parser = new ResponseParser({
      onHeaders: (status) => {
        const r = this.current;
        if (r !== null && !r.settled) r.handler.onHeaders?.(status, [], noop, '');
      },
      onComplete: (reuse) => this.complete(reuse),
    });
    // Reads go into one buffer shared by the client's connections (`onread`: no Buffer per read, no
    // stream push): safe on one thread, as the reader copies what it keeps of a read.
    const onread = { buffer: client.readBuffer, callback: (n: number, buf: Uint8Array): boolean => this.read(buf as Buffer, n) };
    this.socket = connect({ host, port, noDelay: true, keepAlive: true, onread, ...(pins ? { lookup: pinnedLookup(pins) } : {}) });
    this.connectTimer = setTimeout(() => this.socket.destroy(codedError('PS_CONNECT_TIMEOUT', `connect timed out after ${connectTimeoutMs} ms`)), connectTimeoutMs);
    this.socket.once('connect', () => this.clearConnectTimer());
    this.socket.on('error', (err) => (this.error ??= err));
    this.socket.on('close', () => this.closed());
  }

  send(r: Req, tick: number): void {
    this.current = r;
    r.conn = this;
    r.sentTick = tick;
    this.parser.noBody = r.head;
    this.socket.write(r.bytes);
  }

  /** `n` bytes read into the shared buffer; true: go on reading. */
  private read(buf: Buffer, n: number): boolean {
    try {
      this.parser.feed(buf.subarray(0, n));
    } catch (e) {
      this.fail(e as Error);
    }
    return true;
  }

  private complete(reuse: boolean): void {
    const r = this.current;
    this.current = null;
    if (this.parser.keepAliveMs > 0) this.reuseUntil = performance.now() + this.parser.keepAliveMs - KEEP_ALIVE_MARGIN_MS;
    if (!reuse) this.socket.destroy();
    if (r !== null && !r.settled) {
      r.settled = true;
      r.handler.onComplete?.(null);
    }
    if (reuse) this.client.idle(this);
  }

  /** Fails the request on this connection and closes it. */
  fail(err: Error): void {
    this.error ??= err;
    this.socket.destroy();
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== null) clearTimeout(this.connectTimer);
    this.connectTimer = null;
  }

  private closed(): void {
    this.clearConnectTimer();
    if (this.current !== null && !this.parser.end()) {
      const r = this.current;
      this.current = null;
      this.client.settleError(r, this.error ?? codedError('ECONNRESET', 'the server closed the connection'));
    }
    this.client.gone(this);
  }
}

const noop = (): void => undefined;

/** Keep-alive HTTP/1.1 connections to one `http:` origin; see the module comment. */
export class H1Client implements HotDispatcher {
  /** Every connection's reads land here (see Conn). */
  readonly readBuffer = Buffer.allocUnsafe(64 * 1024);
  private readonly conns = new Set<Conn>();
  private readonly idleConns: Conn[] = [];
  private queue: Req[] = [];
  private queueHead = 0;
  /** Rendered requests by method, then path (RENDER_CACHE_MAX in all). */
  private readonly rendered = new Map<string, Map<string, Buffer>>();
  private renderedCount = 0;
  private readonly host: string;
  private readonly port: number;
  private readonly hostHeader: string;
  private tick = 0;
  private readonly backstop: NodeJS.Timeout;
  private destroyed = false;
  /** Pins were given and the target's host is not among them: nothing connects. */
  private readonly unchecked: boolean;

  constructor(target: URL, private readonly opts: H1Options) {
    if (target.protocol !== 'http:') throw new Error(`H1Client speaks http: only, not ${target.protocol}`);
    this.host = bareHost(target.hostname);
    this.port = portOf(target);
    this.hostHeader = target.host;
    this.unchecked = opts.pins !== undefined && !opts.pins.some((p) => p.host === this.host.toLowerCase());
    this.backstop = setInterval(() => this.sweep(), BACKSTOP_TICK_MS).unref();
  }

  dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const h = handler as Handler;
    const r = new Req(this.render(opts), opts.method === 'HEAD', h, this);
    h.onConnect?.(r.abort);
    if (r.settled) return true;
    if (this.destroyed) {
      this.settleError(r, codedError('UND_ERR_DESTROYED', 'the client was closed'));
      return true;
    }
    if (this.unchecked) {
      this.settleError(r, notChecked(this.host, 'PS_NOT_CHECKED'));
      return true;
    }
    this.assign(r);
    return true;
  }

  /** Opens every connection the client may keep, idle (requests sent before a connect completes wait in the socket). */
  warm(): void {
    if (this.destroyed || this.unchecked) return;
    while (this.conns.size < this.opts.connections) {
      const c = new Conn(this, this.host, this.port, this.opts.connectTimeoutMs, this.opts.pins);
      this.conns.add(c);
      this.idleConns.push(c);
    }
  }

  /** Closes every connection; requests still queued or in flight fail. */
  destroy(): Promise<void> {
    this.destroyed = true;
    clearInterval(this.backstop);
    for (let i = this.queueHead; i < this.queue.length; i++) this.settleError(this.queue[i]!, codedError('UND_ERR_DESTROYED', 'the client was closed'));
    this.queue = [];
    this.queueHead = 0;
    const closing = [...this.conns].map((c) => new Promise<void>((res) => {
      if (c.socket.destroyed) res();
      else c.socket.once('close', () => res());
      c.socket.destroy();
    }));
    return Promise.all(closing).then(noop);
  }

  /** Sends `r` on an idle connection, a new one, or queues it. */
  private assign(r: Req): void {
    const now = this.idleConns.length > 0 ? performance.now() : 0;
    while (this.idleConns.length > 0) {
      const c = this.idleConns.pop()!;
      if (c.socket.destroyed) continue;
      if (now >= c.reuseUntil) {
        c.socket.destroy();
        continue;
      }
      c.send(r, this.tick);
      return;
    }
    if (this.conns.size < this.opts.connections) {
      const c = new Conn(this, this.host, this.port, this.opts.connectTimeoutMs, this.opts.pins);
      this.conns.add(c);
      c.send(r, this.tick);
      return;
    }
    this.queue.push(r);
  }

  /** The next queued request not yet settled (aborted while queued), or null. */
  private nextQueued(): Req | null {
    // A queue that never empties (sustained overload) must not keep every request it ever held.
    if (this.queueHead >= 1024 && this.queueHead * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
    while (this.queueHead < this.queue.length) {
      const r = this.queue[this.queueHead]!;
      this.queue[this.queueHead++] = undefined as unknown as Req;
      if (!r.settled) return r;
    }
    this.queue = [];
    this.queueHead = 0;
    return null;
  }

  /** A connection finished a response and may be reused. */
  idle(c: Conn): void {
    const r = this.nextQueued();
    if (r === null) this.idleConns.push(c);
    else if (performance.now() >= c.reuseUntil) {
      c.socket.destroy();
      this.assign(r);
    } else c.send(r, this.tick);
  }

  /** A connection closed: the queue gets a new one if requests wait. */
  gone(c: Conn): void {
    this.conns.delete(c);
    const i = this.idleConns.indexOf(c);
    if (i >= 0) this.idleConns.splice(i, 1);
    if (this.destroyed) return;
    const r = this.nextQueued();
    if (r !== null) this.assign(r);
  }

  settleError(r: Req, err: Error): void {
    if (r.settled) return;
    r.settled = true;
    r.handler.onError?.(err);
  }

  /** An abort from the handler: a queued request is dropped from the queue, one on a connection closes it. */
  abort(r: Req, err: Error): void {
    if (r.settled) return;
    const c = r.conn;
    this.settleError(r, err);
    if (c !== null && c.current === r) {
      c.current = null;
      c.fail(err);
    }
  }

  /** The backstop: a request unanswered past its timeout plus 1 s fails and closes its connection. */
  private sweep(): void {
    this.tick++;
    const limitTicks = Math.ceil((this.opts.timeoutMs + 1000) / BACKSTOP_TICK_MS) + 1;
    for (const c of this.conns) {
      const r = c.current;
      if (r !== null && this.tick - r.sentTick > limitTicks) this.abort(r, codedError('PS_TIMEOUT', `no response within ${this.opts.timeoutMs} ms`));
    }
  }

  /** The request's bytes: cached per (method, path) when it has no headers or body of its own. */
  private render(opts: Dispatcher.DispatchOptions): Buffer {
    if (opts.headers != null || opts.body != null) return renderRequest(opts, this.hostHeader);
    // Keyed by method, then by path: the plan's path strings keep their hash, where a joined key would be hashed per request.
    let byPath = this.rendered.get(opts.method);
    const hit = byPath?.get(opts.path);
    if (hit !== undefined) return hit;
    const bytes = renderRequest(opts, this.hostHeader);
    if (this.renderedCount < RENDER_CACHE_MAX) {
      if (byPath === undefined) this.rendered.set(opts.method, (byPath = new Map<string, Buffer>()));
      byPath.set(opts.path, bytes);
      this.renderedCount++;
    }
    return bytes;
  }
}

/** Characters a request path may hold (as undici: printable, no space or control). */
const VALID_PATH = /^[\u0021-\u00ff]+$/;
/** A header name token and a value without CR, LF or NUL. */
const VALID_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const INVALID_VALUE = /[\r\n\0]/;

/** Renders a request: request line, host, the request's headers, content-length and body. */
export const renderRequest = (opts: Dispatcher.DispatchOptions, hostHeader: string): Buffer => {
  if (!VALID_PATH.test(opts.path)) throw codedError('UND_ERR_INVALID_ARG', 'invalid request path');
  let head = `${opts.method} ${opts.path} HTTP/1.1\r\n`;
  let hasHost = false;
  const headers = (opts.headers ?? {}) as Record<string, string | string[] | undefined>;
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined) continue;
    const lower = name.toLowerCase();
    if (lower === 'content-length' || lower === 'connection' || lower === 'transfer-encoding') continue; // framing is ours
    if (!VALID_NAME.test(name)) throw codedError('UND_ERR_INVALID_ARG', 'invalid header name');
    for (const v of Array.isArray(raw) ? raw : [raw]) {
      if (INVALID_VALUE.test(v)) throw codedError('UND_ERR_INVALID_ARG', `invalid ${lower} header`);
      head += `${name}: ${v}\r\n`;
    }
    if (lower === 'host') hasHost = true;
  }
  if (!hasHost) head = head.replace('\r\n', `\r\nhost: ${hostHeader}\r\n`);
  const body = opts.body == null ? null : typeof opts.body === 'string' ? Buffer.from(opts.body) : Buffer.isBuffer(opts.body) ? opts.body : null;
  if (opts.body != null && body === null) throw codedError('UND_ERR_INVALID_ARG', 'the engine sends string or Buffer bodies only');
  if (body !== null) head += `content-length: ${body.length}\r\n`;
  else if (opts.method === 'POST' || opts.method === 'PUT' || opts.method === 'PATCH') head += 'content-length: 0\r\n';
  head += '\r\n';
  const headBytes = Buffer.from(head, 'latin1');
  return body === null ? headBytes : Buffer.concat([headBytes, body]);
};
