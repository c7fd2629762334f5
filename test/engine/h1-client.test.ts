/**
 * The engine's own HTTP/1.1 client (src/engine/h1-client.ts) against real
 * servers on 127.0.0.1: node:http with keep-alive, `Connection: close`,
 * chunked bodies (also split byte by byte), bodiless responses (1xx, 204,
 * 304, HEAD), a body read until close, resets, a stalled server with aborts
 * and the timeout backstop, malformed responses, the queue behind busy
 * connections, and the pinned-address rule.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { H1Client, renderRequest } from '../../src/engine/h1-client.js';
import { classifyError } from '../../src/engine/http.js';
import type { PinnedHost } from '../../src/engine/reach.js';

interface Outcome { status: number; error: Error | null; completed: boolean }

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

/** A node:http server on port 0; counts the sockets it saw. */
const httpServer = async (handle: (req: IncomingMessage, res: ServerResponse) => void, keepAliveMs = 60_000): Promise<{ url: string; sockets: () => number }> => {
  let sockets = 0;
  const s = createHttpServer(handle);
  s.keepAliveTimeout = keepAliveMs;
  s.on('connection', () => sockets++);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise((r) => {
    s.closeAllConnections();
    s.close(() => r());
  }));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, sockets: () => sockets };
};

/** A raw TCP server: `onData` gets each request's bytes and writes what it likes. */
const rawServer = async (onData: (sock: Socket, data: string) => void): Promise<string> => {
  const live = new Set<Socket>();
  const s: Server = createNetServer((sock) => {
    live.add(sock);
    sock.on('close', () => live.delete(sock));
    sock.on('error', () => undefined);
    sock.on('data', (d) => onData(sock, d.toString('latin1')));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise((r) => {
    for (const x of live) x.destroy();
    s.close(() => r());
  }));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
};

const client = (url: string, opts: { connections?: number; timeoutMs?: number; pins?: PinnedHost[] } = {}): H1Client => {
  const c = new H1Client(new URL(url), { connections: opts.connections ?? 4, timeoutMs: opts.timeoutMs ?? 10_000, connectTimeoutMs: 2000, ...(opts.pins ? { pins: opts.pins } : {}) });
  closers.push(() => c.destroy());
  return c;
};

/** Sends one request; resolves when the handler is told the end. `onAbort` receives the abort function. */
const send = (c: H1Client, path = '/', more: { method?: string; headers?: Record<string, string>; body?: string; onAbort?: (abort: (e?: Error) => void) => void } = {}): Promise<Outcome> =>
  new Promise((resolve) => {
    const out: Outcome = { status: 0, error: null, completed: false };
    const handler = {
      onConnect: (abort: (e?: Error) => void) => more.onAbort?.(abort),
      onHeaders: (status: number) => {
        out.status = status;
        return true;
      },
      onData: () => true,
      onComplete: () => {
        out.completed = true;
        resolve(out);
      },
      onError: (e: Error) => {
        out.error = e;
        resolve(out);
      },
    };
    c.dispatch({ path, method: (more.method ?? 'GET'), ...(more.headers ? { headers: more.headers } : {}), ...(more.body !== undefined ? { body: more.body } : {}) }, handler);
  });

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('H1Client against real servers', () => {
  it('keeps connections alive: 60 requests over at most 2 connections, all answered', async () => {
    const srv = await httpServer((_q, res) => res.end('ok'));
    const c = client(srv.url, { connections: 2 });
    const outs = await Promise.all(Array.from({ length: 60 }, (_, i) => send(c, `/x${i % 3}`)));
    expect(outs.every((o) => o.completed && o.status === 200)).toBe(true);
    expect(srv.sockets()).toBeLessThanOrEqual(2);
  });

  it('sends method, path, host, headers and body as given', async () => {
    let seen: { method?: string; url?: string; host?: string; token?: string; body: string } = { body: '' };
    const srv = await httpServer((q, res) => {
      let body = '';
      q.on('data', (d: Buffer) => (body += d.toString()));
      q.on('end', () => {
        seen = { method: q.method, url: q.url, host: q.headers.host, token: q.headers['x-token'] as string, body };
        res.end('ok');
      });
    });
    const o = await send(client(srv.url), '/orders?id=7', { method: 'POST', headers: { 'x-token': 'abc', 'content-type': 'application/json' }, body: '{"a":"é"}' });
    expect(o.status).toBe(200);
    expect(seen).toEqual({ method: 'POST', url: '/orders?id=7', host: new URL(srv.url).host, token: 'abc', body: '{"a":"é"}' });
  });

  it('follows Connection: close with a new connection per request', async () => {
    const srv = await httpServer((_q, res) => {
      res.setHeader('connection', 'close');
      res.end('bye');
    });
    const c = client(srv.url, { connections: 1 });
    for (let i = 0; i < 5; i++) expect((await send(c)).status).toBe(200);
    expect(srv.sockets()).toBe(5);
  });

  it('reads chunked bodies, also when every byte arrives on its own, and reuses the connection', async () => {
    const srv = await httpServer((_q, res) => {
      res.write('a'.repeat(5000));
      res.write('b');
      res.end('c'.repeat(70_000));
    });
    const c = client(srv.url, { connections: 1 });
    for (let i = 0; i < 3; i++) expect(await send(c)).toMatchObject({ status: 200, completed: true });
    expect(srv.sockets()).toBe(1);
    const response = 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nx-trailer: 1\r\n\r\n';
    const url = await rawServer((sock) => {
      void (async () => {
        for (const ch of response) {
          sock.write(ch);
          await sleep(1);
        }
      })();
    });
    const c2 = client(url, { connections: 1 });
    expect(await send(c2)).toMatchObject({ status: 200, completed: true });
    expect(await send(c2)).toMatchObject({ status: 200, completed: true });
  });

  it('ends 1xx, 204, 304 and HEAD responses without waiting for a body', async () => {
    const srv = await httpServer((q, res) => {
      if (q.url === '/204') res.writeHead(204).end();
      else if (q.url === '/304') res.writeHead(304).end();
      else res.end('a body of some length'); // for HEAD node sends content-length but no body
    });
    const c = client(srv.url, { connections: 1 });
    expect((await send(c, '/204')).status).toBe(204);
    expect((await send(c, '/304')).status).toBe(304);
    expect((await send(c, '/', { method: 'HEAD' })).status).toBe(200);
    expect((await send(c, '/')).status).toBe(200);
    expect(srv.sockets()).toBe(1);
    const url = await rawServer((sock) => sock.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\nok'));
    const c2 = client(url, { connections: 1 });
    expect(await send(c2)).toMatchObject({ status: 201, completed: true });
    expect(await send(c2)).toMatchObject({ status: 201, completed: true });
  });

  it('reads a body without length until the connection closes (HTTP/1.0 style)', async () => {
    const url = await rawServer((sock) => {
      sock.write('HTTP/1.0 200 OK\r\n\r\npart one ');
      setTimeout(() => sock.end('part two'), 20);
    });
    const c = client(url, { connections: 1 });
    expect(await send(c)).toMatchObject({ status: 200, completed: true, error: null });
    expect(await send(c)).toMatchObject({ status: 200, completed: true });
  });

  it('classifies a reset, a refused connection and a malformed response', async () => {
    const resetUrl = await rawServer((sock) => sock.resetAndDestroy());
    const reset = await send(client(resetUrl));
    expect(reset.completed).toBe(false);
    expect(classifyError(reset.error)).toBe('reset');
    const closedUrl = await rawServer((sock) => sock.end()); // closes without a response
    expect(classifyError((await send(client(closedUrl))).error)).toBe('reset');
    const port = Number(new URL(closedUrl).port);
    const refusedPort = await new Promise<number>((r) => {
      const s = createNetServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => r(p));
      });
    });
    expect(port).not.toBe(refusedPort);
    expect(classifyError((await send(client(`http://127.0.0.1:${refusedPort}`))).error)).toBe('connect');
    const badUrl = await rawServer((sock) => sock.write('SPDY/9 nonsense\r\n\r\n'));
    const bad = await send(client(badUrl));
    expect(bad.error?.message).toMatch(/malformed/);
    expect(classifyError(bad.error)).toBe('other');
    const badChunk = await rawServer((sock) => sock.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n'));
    expect(classifyError((await send(client(badChunk))).error)).toBe('other');
  });

  it('aborts a request on a stalled server, closes its connection and serves the next on a new one', async () => {
    let n = 0;
    const srv = await httpServer((_q, res) => {
      if (n++ === 0) return; // the first request never gets an answer
      res.end('ok');
    });
    const c = client(srv.url, { connections: 1 });
    let abort: ((e?: Error) => void) | null = null;
    const stalled = send(c, '/', { onAbort: (a) => (abort = a) });
    const queued = send(c, '/'); // waits behind the stalled one (one connection)
    await sleep(100);
    abort!(Object.assign(new Error('late'), { code: 'PS_TIMEOUT' }));
    const s = await stalled;
    expect(classifyError(s.error)).toBe('timeout');
    expect(await queued).toMatchObject({ status: 200, completed: true });
    expect(srv.sockets()).toBe(2);
  });

  it('drops an aborted request from the queue without sending it', async () => {
    const srv = await httpServer((_q, res) => setTimeout(() => res.end('ok'), 50));
    let served = 0;
    const c = client(srv.url, { connections: 1 });
    const first = send(c, '/a');
    let abort: ((e?: Error) => void) | null = null;
    const second = send(c, '/b', { onAbort: (a) => (abort = a) });
    const third = send(c, '/c');
    abort!();
    expect((await second).error).not.toBeNull();
    for (const o of await Promise.all([first, third])) if (o.status === 200) served++;
    expect(served).toBe(2);
    expect(srv.sockets()).toBe(1);
  });

  it('fails a request the server never answers once its timeout plus 1 s has passed (the backstop)', async () => {
    const srv = await httpServer(() => undefined);
    const t0 = performance.now();
    const o = await send(client(srv.url, { timeoutMs: 100 }));
    const tookMs = performance.now() - t0;
    expect(classifyError(o.error)).toBe('timeout');
    // 3 ticks of 1 s past the send (ceil(1.1 s) + 1), give or take a tick.
    expect(tookMs).toBeGreaterThan(1100);
    expect(tookMs).toBeLessThan(6000);
  }, 10_000);

  it('does not reuse a connection the server is about to close (keep-alive: timeout=)', async () => {
    // node announces timeout=1: with undici's 1-s margin the connection is not reused at all (the server would
    // still have kept it 300 ms later: a client that ignored the header would reuse it).
    const srv = await httpServer((_q, res) => res.end('ok'), 1000);
    const c = client(srv.url, { connections: 1 });
    expect((await send(c)).status).toBe(200);
    await sleep(300);
    expect(await send(c)).toMatchObject({ status: 200, completed: true });
    expect(srv.sockets()).toBe(2);
  });

  it('connects only to a checked host, at its pinned address', async () => {
    const srv = await httpServer((q, res) => res.end(q.headers.host));
    const port = new URL(srv.url).port;
    const pinned = client(`http://staging.test:${port}`, { pins: [{ host: 'staging.test', addresses: [{ address: '127.0.0.1', family: 4 }] }] });
    expect(await send(pinned)).toMatchObject({ status: 200, completed: true });
    const other = await send(client(srv.url, { pins: [{ host: 'staging.test', addresses: [{ address: '127.0.0.1', family: 4 }] }] }));
    expect((other.error as NodeJS.ErrnoException).code).toBe('PS_NOT_CHECKED');
    expect(classifyError(other.error)).toBe('connect');
    expect(srv.sockets()).toBe(1);
  });

  it('refuses paths and header values that would break the request', () => {
    expect(() => renderRequest({ path: '/a b', method: 'GET' }, 'h')).toThrow(/path/);
    expect(() => renderRequest({ path: '/', method: 'GET', headers: { 'x-a': 'v\r\nevil: 1' } }, 'h')).toThrow(/header/);
    expect(renderRequest({ path: '/p', method: 'GET', headers: { Host: 'other' } }, 'h').toString()).toBe('GET /p HTTP/1.1\r\nHost: other\r\n\r\n');
  });
});
