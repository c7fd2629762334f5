/**
 * Purpose-built HTTP servers with planted, known problems, for the detector
 * tests on real runs (127.0.0.1, port 0). Each runs in its own Node process
 * (planted-server.ts under tsx), so a busy load generator cannot delay the
 * server's timers and the server's work cannot delay the generator.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { toWire, type PlantedOptions, type PlantedStats } from './planted-server.js';

export { zipfSizes, type PlantedOptions } from './planted-server.js';

export interface PlantedServer {
  url: string;
  /** The server's counters, fetched from its process. */
  stats(): Promise<PlantedStats>;
  close(): Promise<void>;
}

const MODULE = fileURLToPath(new URL('./planted-server.ts', import.meta.url));

const once = <T>(child: ChildProcess, pick: (m: unknown) => T | undefined, timeoutMs: number): Promise<T> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('planted server did not answer')), timeoutMs);
    const onMessage = (m: unknown): void => {
      const v = pick(m);
      if (v === undefined) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(v);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`planted server exited (${code ?? 'signal'})`)));
  });

/** Starts a planted server in a child process; `close()` stops that process. */
export const startPlantedServer = async (opts: PlantedOptions): Promise<PlantedServer> => {
  const child = fork(MODULE, ['--planted', JSON.stringify(toWire(opts))], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await once(child, (m) => (m as { port?: number }).port, 20_000);
  return {
    url: `http://127.0.0.1:${port}`,
    stats: async () => {
      const p = once(child, (m) => (m as { stats?: PlantedStats }).stats, 5000);
      child.send('stats');
      return p;
    },
    close: () => new Promise((resolve) => {
      if (child.exitCode !== null) {
        resolve();
        return;
      }
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
};
