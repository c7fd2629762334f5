/**
 * A minimal HTTP/1.1 response reader for the engine's own client (h1-client.ts):
 * it finds where each response ends and what it says about the connection,
 * and keeps nothing of the body. It reads the status line, the headers that
 * frame the body (`content-length`, `transfer-encoding: chunked`) and the ones
 * that decide reuse (`connection`, `keep-alive: timeout=`), and skips 1xx
 * interim responses. HEAD, 204 and 304 responses have no body; a response with
 * neither length nor chunking runs until the connection closes.
 */

/** What the reader reports to its connection. */
export interface ResponseEvents {
  /** The final status line and headers were read. */
  onHeaders(status: number): void;
  /** The response ended; `reuse` is false when the connection must be closed. */
  onComplete(reuse: boolean): void;
}

/** A response that is not HTTP/1.x as we read it (counted as error class `other`). */
export class ResponseParseError extends Error {
  readonly code = 'PS_BAD_RESPONSE';
  constructor(message: string) {
    super(`malformed HTTP response: ${message}`);
    this.name = 'ResponseParseError';
  }
}

const HEAD = 0;
const LENGTH = 1;
const CHUNK_SIZE = 2;
const CHUNK_DATA = 3;
const CHUNK_END = 4;
const TRAILERS = 5;
const UNTIL_CLOSE = 6;

const CRLF = Buffer.from('\r\n');
const CRLFCRLF = Buffer.from('\r\n\r\n');
/** Longest response head (status line and headers) read, bytes. */
const MAX_HEAD_BYTES = 64 * 1024;
/** Longest chunk-size or trailer line, bytes. */
const MAX_LINE_BYTES = 8 * 1024;

/** The parts of a response head the client acts on. */
interface Head { status: number; keepAlive: boolean; chunked: boolean; length: number; keepAliveMs: number }

/** Reads the status line and the framing headers of a head (latin1, without the blank line). */
export const parseHead = (text: string): Head => {
  if (!text.startsWith('HTTP/1.') || text.charCodeAt(8) !== 32) throw new ResponseParseError('no HTTP/1.x status line');
  const status = Number(text.slice(9, 12));
  if (!Number.isInteger(status) || status < 100 || status > 999) throw new ResponseParseError('bad status code');
  const head: Head = { status, keepAlive: text.charCodeAt(7) === 49, chunked: false, length: -1, keepAliveMs: 0 };
  let at = text.indexOf('\r\n');
  while (at >= 0) {
    const next = text.indexOf('\r\n', at + 2);
    const line = text.slice(at + 2, next < 0 ? text.length : next);
    at = next;
    const colon = line.indexOf(':');
    // Only the few names that frame the body or decide reuse are read (their lengths first: cheap).
    if (colon !== 10 && colon !== 14 && colon !== 17) continue;
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim().toLowerCase();
    if (name === 'content-length') {
      const n = Number(value);
      if (!/^\d+$/.test(value) || (head.length >= 0 && head.length !== n)) throw new ResponseParseError('bad content-length');
      head.length = n;
    } else if (name === 'transfer-encoding') {
      head.chunked = value.endsWith('chunked');
    } else if (name === 'connection') {
      if (value.includes('close')) head.keepAlive = false;
      else if (value.includes('keep-alive')) head.keepAlive = true;
    } else if (name === 'keep-alive') {
      const m = /timeout=(\d+)/.exec(value);
      if (m) head.keepAliveMs = Number(m[1]) * 1000;
    }
  }
  return head;
};

/** Reads the responses of one connection, one request at a time. */
export class ResponseParser {
  private state = HEAD;
  /** Bytes of a head or line not yet complete. */
  private partial: Buffer | null = null;
  private remaining = 0;
  private keepAlive = true;
  /** The server's `keep-alive: timeout=` of the last response, ms (0 = none given). */
  keepAliveMs = 0;
  /** The request in flight was a HEAD: its response has no body. */
  noBody = false;

  constructor(private readonly events: ResponseEvents) {}

  /** Reads bytes from the socket. Throws ResponseParseError on a malformed response. */
  feed(chunk: Buffer): void {
    let data = chunk;
    let pos = 0;
    while (pos < data.length) {
      // A head or line begun in an earlier chunk: join it to this one, search from just before the join.
      let from = pos;
      if (this.partial !== null) {
        const had = this.partial.length;
        data = Buffer.concat([this.partial, data.subarray(pos)]);
        this.partial = null;
        pos = 0;
        from = Math.max(0, had - 3);
      }
      switch (this.state) {
        case HEAD: {
          const end = data.indexOf(CRLFCRLF, from);
          if (end < 0) return this.keepPartial(data, pos, MAX_HEAD_BYTES, 'response head too long');
          pos = this.onHead(data.toString('latin1', pos, end), end + 4, data.length);
          break;
        }
        case LENGTH:
        case CHUNK_DATA:
        case CHUNK_END: {
          const n = Math.min(this.remaining, data.length - pos);
          pos += n;
          this.remaining -= n;
          if (this.remaining > 0) return;
          if (this.state === LENGTH) this.done(pos === data.length);
          else if (this.state === CHUNK_DATA) {
            this.state = CHUNK_END;
            this.remaining = 2;
          } else this.state = CHUNK_SIZE;
          break;
        }
        case CHUNK_SIZE:
        case TRAILERS: {
          const end = data.indexOf(CRLF, from);
          if (end < 0) return this.keepPartial(data, pos, MAX_LINE_BYTES, 'chunk line too long');
          const line = data.toString('latin1', pos, end);
          pos = end + 2;
          this.onLine(line, pos === data.length);
          break;
        }
        default:
          return; // UNTIL_CLOSE: everything up to the end of the connection is body
      }
    }
  }

  /** The connection closed: true when that ended a response read until close. */
  end(): boolean {
    if (this.state !== UNTIL_CLOSE) return false;
    this.state = HEAD;
    this.events.onComplete(false);
    return true;
  }

  private keepPartial(data: Buffer, pos: number, max: number, what: string): void {
    if (data.length - pos > max) throw new ResponseParseError(what);
    this.partial = Buffer.from(data.subarray(pos));
  }

  /** Acts on a complete head; returns the position after it. */
  private onHead(text: string, after: number, length: number): number {
    const head = parseHead(text);
    const status = head.status;
    if (status < 200 && status !== 101) return after; // 100 Continue, 103 Early Hints: interim, the final response follows
    this.keepAlive = head.keepAlive && status !== 101;
    this.keepAliveMs = head.keepAliveMs;
    this.events.onHeaders(status);
    if (this.noBody || status === 204 || status === 304 || status === 101) this.done(after === length);
    else if (head.chunked) this.state = CHUNK_SIZE;
    else if (head.length > 0) {
      this.state = LENGTH;
      this.remaining = head.length;
    } else if (head.length === 0) this.done(after === length);
    else {
      this.state = UNTIL_CLOSE;
      this.keepAlive = false;
    }
    return after;
  }

  /** A chunk-size line or a trailer line. */
  private onLine(line: string, atEnd: boolean): void {
    if (this.state === TRAILERS) {
      if (line === '') this.done(atEnd);
      return;
    }
    const hex = (line.split(';')[0] ?? '').trim();
    if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) throw new ResponseParseError('bad chunk size');
    const size = parseInt(hex, 16);
    if (size === 0) this.state = TRAILERS;
    else {
      this.state = CHUNK_DATA;
      this.remaining = size;
    }
  }

  private done(atEnd: boolean): void {
    this.state = HEAD;
    // Bytes after the response the client did not ask for: the connection is out of step, close it.
    this.events.onComplete(this.keepAlive && atEnd);
  }
}
