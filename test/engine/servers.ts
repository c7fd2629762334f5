/**
 * Real HTTP servers on 127.0.0.1 port 0 for engine tests: a fast one that
 * counts requests, and purpose-built misbehaving ones.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestServer {
  url: string;
  port: number;
  server: Server;
  /** Requests seen, by `METHOD path-without-query`. */
  counts: Map<string, number>;
  close(): Promise<void>;
}

/** Starts a server; `handle` may answer (default: 200 "ok"). */
export const startServer = async (handle?: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> => {
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    const key = `${req.method} ${(req.url ?? '').split('?')[0]}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (handle) handle(req, res);
    else res.end('ok');
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

/** A port with nothing listening (bound, then released). */
export const freePort = async (): Promise<number> => {
  const s = await startServer();
  await s.close();
  return s.port;
};
