/**
 * The engine's response reader (src/engine/h1-parser.ts): the head read on
 * bytes (status, framing, reuse), heads cut at any byte, malformed heads, and
 * whole responses fed in pieces. The client's tests against real servers
 * (h1-client.test.ts) cover it end to end; these pin its edges.
 */
import { describe, expect, it } from 'vitest';
import { newHead, readHead, ResponseParser, ResponseParseError } from '../../src/engine/h1-parser.js';

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');
const read = (s: string): ReturnType<typeof newHead> & { after: number } => {
  const head = newHead();
  const after = readHead(bytes(s), 0, head);
  return { ...head, after };
};

const NGINX = 'HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Sun, 06 Dec 2026 02:00:00 GMT\r\nContent-Type: text/html\r\nContent-Length: 615\r\nLast-Modified: Tue, 01 Dec 2026 10:00:00 GMT\r\nConnection: keep-alive\r\nETag: "6763d4d0-267"\r\nAccept-Ranges: bytes\r\n\r\n';

describe('readHead', () => {
  it('reads status, length and reuse of a real nginx head, and ends after its blank line', () => {
    const h = read(`${NGINX}<html>`);
    expect(h).toEqual({ status: 200, keepAlive: true, chunked: false, length: 615, keepAliveMs: 0, after: NGINX.length });
  });

  it('matches header names and values whatever their case, and trims spaces and tabs around values', () => {
    expect(read('HTTP/1.1 201 Created\r\nCONTENT-LENGTH: \t 12 \t\r\n\r\n')).toMatchObject({ status: 201, length: 12 });
    expect(read('HTTP/1.1 200 OK\r\ntransfer-ENCODING:  gzip, Chunked \r\n\r\n')).toMatchObject({ chunked: true, length: -1 });
    expect(read('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n')).toMatchObject({ chunked: false });
    expect(read('HTTP/1.1 200 OK\r\nConnection: Close\r\n\r\n')).toMatchObject({ keepAlive: false });
    expect(read('HTTP/1.1 200 OK\r\nconnection: upgrade, CLOSE\r\n\r\n')).toMatchObject({ keepAlive: false });
  });

  it('keeps HTTP/1.1 connections unless told to close, HTTP/1.0 ones only when told to keep them', () => {
    expect(read('HTTP/1.1 204 No Content\r\n\r\n')).toMatchObject({ status: 204, keepAlive: true });
    expect(read('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n')).toMatchObject({ keepAlive: false });
    expect(read('HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n\r\n')).toMatchObject({ keepAlive: true });
    expect(read('HTTP/1.1 200\r\n\r\n')).toMatchObject({ status: 200, keepAlive: true }); // no reason phrase
  });

  it('reads the keep-alive timeout in seconds as ms', () => {
    expect(read('HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5, max=100\r\n\r\n').keepAliveMs).toBe(5000);
    expect(read('HTTP/1.1 200 OK\r\nkeep-alive: max=3\r\n\r\n').keepAliveMs).toBe(0);
  });

  it('skips headers it does not act on, also ones whose name has the same length or holds a CR', () => {
    expect(read('HTTP/1.1 200 OK\r\ncontent-lengtx: 9\r\nX-Content-Length: 8\r\ncontent\rlength: 7\r\na:b-connection: close\r\nno colon here at all\r\n\r\n')).toMatchObject({ length: -1, keepAlive: true });
  });

  it('accepts a repeated content-length with the same value', () => {
    expect(read('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n').length).toBe(3);
  });

  it('returns -1, and throws nothing, for a valid head cut at any byte', () => {
    const full = bytes(`HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5\r\nContent-Length: 10\r\n\r\n`);
    for (let n = 0; n < full.length; n++) expect(readHead(full.subarray(0, n), 0, newHead()), `cut at ${n}`).toBe(-1);
    expect(readHead(full, 0, newHead())).toBe(full.length);
  });

  it('reads a head that starts inside the buffer', () => {
    const data = bytes(`xyzHTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno`);
    const head = newHead();
    expect(readHead(data, 3, head)).toBe(data.length - 2);
    expect(head).toMatchObject({ status: 404, length: 2 });
  });

  it.each([
    ['HTTX/1.1 200 OK\r\n\r\n', 'no HTTP/1.x status line'],
    ['HTTP/2 200 OK\r\n\r\n', 'no HTTP/1.x status line'],
    ['HTTP/1.1 2x0 OK\r\n\r\n', 'bad status code'],
    ['HTTP/1.1 099 Low\r\n\r\n', 'bad status code'],
    ['HTTP/1.1 2000 OK\r\n\r\n', 'bad status code'],
    ['HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n', 'bad content-length'],
    ['HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n', 'bad content-length'],
    ['HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', 'bad content-length'],
    ['HTTP/1.1 200 OK\r\nContent-Length: 1234567890123456\r\n\r\n', 'bad content-length'],
    ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n', 'bad content-length'],
  ])('refuses %j (%s)', (head, what) => {
    expect(() => read(head)).toThrow(ResponseParseError);
    expect(() => read(head)).toThrow(what);
  });
});

describe('ResponseParser', () => {
  /** Feeds `wire` in pieces of `size` bytes (the last shorter); returns what the parser reported. */
  const feedInPieces = (wire: string, size: number, noBody = false): string[] => {
    const events: string[] = [];
    const p = new ResponseParser({ onHeaders: (s) => events.push(`headers ${s}`), onComplete: (reuse) => events.push(`complete ${reuse}`) });
    p.noBody = noBody;
    const data = bytes(wire);
    for (let at = 0; at < data.length; at += size) p.feed(data.subarray(at, at + size));
    return events;
  };

  const responses: [string, string, string[]][] = [
    ['a length-framed body', `HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello`, ['headers 200', 'complete true']],
    ['a chunked body with a trailer', `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3;x=1\r\nabc\r\n0\r\nX-T: 1\r\n\r\n`, ['headers 200', 'complete true']],
    ['an interim 100 before the response', `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n`, ['headers 204', 'complete true']],
    ['a response that closes the connection', `HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok`, ['headers 200', 'complete false']],
  ];

  it.each(responses)('reads %s the same whether fed whole or byte by byte', (_name, wire, expected) => {
    for (const size of [1, 2, 3, 7, wire.length]) expect(feedInPieces(wire, size), `pieces of ${size}`).toEqual(expected);
  });

  it('ends a HEAD response at its head, whatever its content-length says', () => {
    expect(feedInPieces('HTTP/1.1 200 OK\r\nContent-Length: 615\r\n\r\n', 4, true)).toEqual(['headers 200', 'complete true']);
  });

  it('refuses a head longer than 64 KiB that never ends', () => {
    const p = new ResponseParser({ onHeaders: () => undefined, onComplete: () => undefined });
    p.feed(bytes('HTTP/1.1 200 OK\r\n'));
    expect(() => {
      for (let i = 0; i < 70; i++) p.feed(bytes(`X-Filler: ${'y'.repeat(1000)}\r\n`));
    }).toThrow('response head too long');
  });
});
