/**
 * The profile's events on fake time (test/engine/fake-clock.ts): the timers
 * read and wait only through the injected run clock, so an event at 6 s fires
 * when fake time reaches 6 s, not after 6 s of wall time. The action is real
 * (an HTTP request to a server on 127.0.0.1), so the event does its work.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleEvents } from '../../src/engine/event-timers.js';
import type { EventRecord } from '../../src/run/format.js';
import type { Action } from '../../src/scenario/scenario.js';
import { createFakeClock } from './fake-clock.js';

let server: Server;
let target: URL;
const hits: { path: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push({ path: req.url ?? '' });
    res.end('deployed');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const ACTIONS: Record<string, Action> = {
  deploy: { kind: 'http', method: 'POST', path: '/admin/deploy', headers: {}, body: undefined, timeoutMs: 5000 },
};

describe('event timers on the run clock', () => {
  it('fire an event at 6 s of fake time (not of wall time), never before, and not once cancelled or stopping', async () => {
    const clock = createFakeClock();
    const written: EventRecord[] = [];
    const told: EventRecord[] = [];
    const lines: string[] = [];
    let stopping = false;
    const wallStart = performance.now();
    const events = scheduleEvents(
      [{ atMs: 6000, action: 'deploy', optional: false }, { atMs: 9000, action: 'deploy', optional: false }, { atMs: 12_000, action: 'deploy', optional: false }],
      ACTIONS, { target, runDir: '.' }, clock,
      { write: (r) => written.push(r), told: (r) => { told.push(r); return Promise.resolve(); }, stopped: () => stopping, log: (l) => lines.push(l) },
    );

    await clock.sleep(5999);
    expect(events.running).toHaveLength(0);
    await clock.sleep(1);
    expect(events.running).toHaveLength(1);
    await Promise.all(events.running);
    // The first event started exactly at its time on the run clock.
    expect(written.map((r) => [r.action, r.ok, r.start_ms, r.t_s])).toEqual([['deploy', true, 6000, 6]]);
    expect(told).toEqual(written);
    expect(hits.map((h) => h.path)).toEqual(['/admin/deploy']);
    expect(lines[0]).toBe('event deploy at 6s');

    // A run that is stopping fires nothing more; a cancelled timer never fires.
    stopping = true;
    await clock.sleep(3000);
    expect(events.running).toHaveLength(1);
    events.cancel();
    stopping = false;
    await clock.sleep(10_000);
    expect(events.running).toHaveLength(1);
    expect(hits).toHaveLength(1);
    // 22 s of fake time took well under the 6 s a real timer would have waited for the first event alone.
    expect(performance.now() - wallStart).toBeLessThan(3000);
  });
});
