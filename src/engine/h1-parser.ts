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

/** The parts of a response head the client acts on (one object per connection, filled anew for each head). */
export interface Head { status: number; keepAlive: boolean; chunked: boolean; length: number; keepAliveMs: number }

/** A head before any of it was read. */
export const newHead = (): Head => ({ status: 0, keepAlive: true, chunked: false, length: -1, keepAliveMs: 0 });

/** Byte codes: carriage return, line feed, ':', space, tab, '0'. */
const [CR, LF, COLON, SP, TAB, ZERO] = [13, 10, 58, 32, 9, 48] as const;
const HTTP_1 = Buffer.from('HTTP/1.', 'latin1');
const CONTENT_LENGTH = Buffer.from('content-length', 'latin1');
const TRANSFER_ENCODING = Buffer.from('transfer-encoding', 'latin1');
const CONNECTION = Buffer.from('connection', 'latin1');
const KEEP_ALIVE = Buffer.from('keep-alive', 'latin1');
const CLOSE = Buffer.from('close', 'latin1');
const CHUNKED = Buffer.from('chunked', 'latin1');
/** Most digits a content-length may have: more would not be a safe integer. */
const MAX_LENGTH_DIGITS = 15;

/**
 * Do the bytes `data[at, end)` spell `word`? A lower-case letter of `word`
 * matches either case (setting bit 0x20 lower-cases an ASCII letter); every
 * other byte of it (upper-case letters, digits, '-', '/', '.') must match
 * exactly.
 */
const spells = (data: Uint8Array, at: number, end: number, word: Uint8Array): boolean => {
  if (end - at !== word.length) return false;
  for (let i = 0; i < word.length; i++) {
    const b = data[at + i]!;
    const w = word[i]!;
    if (b !== w && (w < 0x61 || (b | 0x20) !== w)) return false;
  }
  return true;
};

/** Does `data[at, end)` hold `word` anywhere (ignoring the case of letters)? */
const holds = (data: Uint8Array, at: number, end: number, word: Uint8Array): boolean => {
  for (let i = at; i + word.length <= end; i++) if (spells(data, i, i + word.length, word)) return true;
  return false;
};

/** The end of the line that starts at `at` (the index of its CR, followed by LF), or -1 when it is not complete. */
const lineEnd = (data: Uint8Array, at: number): number => {
  for (let i = at; i < data.length - 1; i++) if (data[i] === CR && data[i + 1] === LF) return i;
  return -1;
};

/** The first colon in `data[at, end]`, or -1. */
const firstColon = (data: Uint8Array, at: number, end: number): number => {
  for (let i = at; i <= end; i++) if (data[i] === COLON) return i;
  return -1;
};

/** Reads a header's value `data[at, end)` (spaces and tabs around it trimmed) into `head`, when its name is one we act on. */
const readField = (data: Buffer, at: number, colon: number, end: number, head: Head): void => {
  let v = colon + 1;
  while (v < end && (data[v] === SP || data[v] === TAB)) v++;
  let e = end;
  while (e > v && (data[e - 1] === SP || data[e - 1] === TAB)) e--;
  if (spells(data, at, colon, CONTENT_LENGTH)) {
    let n = 0;
    for (let i = v; i < e; i++) {
      const d = data[i]! - ZERO;
      if (d < 0 || d > 9) throw new ResponseParseError('bad content-length');
      n = n * 10 + d;
    }
    if (e === v || e - v > MAX_LENGTH_DIGITS || (head.length >= 0 && head.length !== n)) throw new ResponseParseError('bad content-length');
    head.length = n;
  } else if (spells(data, at, colon, TRANSFER_ENCODING)) {
    head.chunked = e - v >= CHUNKED.length && spells(data, e - CHUNKED.length, e, CHUNKED);
  } else if (spells(data, at, colon, CONNECTION)) {
    if (holds(data, v, e, CLOSE)) head.keepAlive = false;
    else if (holds(data, v, e, KEEP_ALIVE)) head.keepAlive = true;
  } else if (spells(data, at, colon, KEEP_ALIVE)) {
    const m = /timeout=(\d+)/i.exec(data.toString('latin1', v, e));
    if (m) head.keepAliveMs = Number(m[1]) * 1000;
  }
};

/**
 * Reads the response head that starts at `pos` in `data`, bytes only (no
 * string per response): the status line, then the headers that frame the
 * body or decide reuse (their names' lengths first: cheap), into `head`.
 * Returns the position after the blank line that ends the head, or -1 when
 * the head is not complete yet (nothing is thrown for a head cut short).
 * Throws ResponseParseError for a status line that is not HTTP/1.x or a bad
 * content-length.
 */
export const readHead = (data: Buffer, pos: number, head: Head): number => {
  const statusEnd = lineEnd(data, pos);
  if (statusEnd < 0) return -1;
  if (statusEnd - pos < 12 || !spells(data, pos, pos + HTTP_1.length, HTTP_1) || data[pos + 8] !== SP) throw new ResponseParseError('no HTTP/1.x status line');
  const d0 = data[pos + 9]! - ZERO;
  const d1 = data[pos + 10]! - ZERO;
  const d2 = data[pos + 11]! - ZERO;
  if (d0 < 1 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9 || (statusEnd > pos + 12 && data[pos + 12] !== SP)) throw new ResponseParseError('bad status code');
  head.status = d0 * 100 + d1 * 10 + d2;
  head.keepAlive = data[pos + 7] === 0x31; // HTTP/1.1 keeps the connection by default, HTTP/1.0 does not
  head.chunked = false;
  head.length = -1;
  head.keepAliveMs = 0;
  let at = statusEnd + 2;
  for (;;) {
    const end = lineEnd(data, at);
    if (end < 0) return -1;
    if (end === at) return end + 2; // the blank line
    // Only the few names that frame the body or decide reuse are read: connection and keep-alive (10
    // bytes), content-length (14), transfer-encoding (17); a line without a colon is skipped.
    const colon = at + 10 < end && data[at + 10] === COLON ? at + 10 : at + 14 < end && data[at + 14] === COLON ? at + 14 : at + 17 < end && data[at + 17] === COLON ? at + 17 : -1;
    if (colon >= 0 && firstColon(data, at, colon) === colon) readField(data, at, colon, end, head);
    at = end + 2;
  }
};

/** Reads the responses of one connection, one request at a time. */
export class ResponseParser {
  private state = HEAD;
  /** The head being read (reused: one per connection). */
  private readonly head = newHead();
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
      let joined = false;
      if (this.partial !== null) {
        joined = true;
        const had = this.partial.length;
        data = Buffer.concat([this.partial, data.subarray(pos)]);
        this.partial = null;
        pos = 0;
        from = Math.max(0, had - 3);
      }
      switch (this.state) {
        case HEAD: {
          // A head begun earlier is read once it is complete (not re-read on every chunk of a slow one).
          const after = joined && data.indexOf(CRLFCRLF, from) < 0 ? -1 : readHead(data, pos, this.head);
          if (after < 0) return this.keepPartial(data, pos, MAX_HEAD_BYTES, 'response head too long');
          pos = this.onHead(after, data.length);
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
  private onHead(after: number, length: number): number {
    const head = this.head;
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
