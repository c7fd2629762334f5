/**
 * The demo service reads time through an injected clock (core/clock.ts): the
 * pool wait it reports, the request and query durations in /metrics and the
 * admin actions' deadline are the clock's readings, not the machine's. A
 * stepped clock makes them exact.
 * Real PGlite (an empty database with the demo's meta table), real HTTP on
 * 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/core/clock.js';
import { readMeta } from '../../src/demo/admin.js';
import { PoolTimeoutError } from '../../src/demo/db.js';
import { openPglite, type PgliteDb } from '../../src/demo/pglite.js';
import { startDemoServer, type DemoServer } from '../../src/demo/server.js';
import { META_TABLE } from '../../src/demo/sql.js';
import { metricsOf } from './helpers.js';

/** A clock that moves `stepMs` on every reading. */
const steppedClock = (stepMs: number): Clock & { readings: number } => {
  const c = { readings: 0, nowMs: () => c.readings++ * stepMs };
  return c;
};

describe('demo service clock', () => {
  let db: PgliteDb;
  let server: DemoServer;
  const dbClock = steppedClock(40);
  const serverClock = steppedClock(250);

  beforeAll(async () => {
    db = await openPglite({ clock: dbClock });
    await db.exec(`CREATE TABLE ${META_TABLE} (key text PRIMARY KEY, value text NOT NULL)`);
    server = await startDemoServer({ db, clock: serverClock, log: () => undefined });
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  it('reports the pool wait as the clock says', async () => {
    const waits: number[] = [];
    await db.withConnection(async (c) => c.query('SELECT 1 AS one'), (waitMs) => waits.push(waitMs));
    await db.withConnection(async (c) => c.query('SELECT 1 AS one'), (waitMs) => waits.push(waitMs));
    // Two readings per acquire, 40 ms apart; a real clock would give well under 1 ms here.
    expect(waits).toEqual([40, 40]);
  });

  it('times requests with its clock: /healthz took one step of 250 ms each time', async () => {
    for (let i = 0; i < 3; i++) expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const m = await metricsOf(server.url);
    const labels = '{route="/healthz",method="GET"}';
    expect(m.get(`app_http_request_duration_seconds_count${labels}`)).toBe(3);
    expect(m.get(`app_http_request_duration_seconds_sum${labels}`)).toBeCloseTo(0.75, 9);
  });
});

describe('demo admin deadline', () => {
  it('gives up waiting for a saturated pool when its clock passes the 120 s deadline, not the machine\'s', async () => {
    // One connection, a 50 ms acquire timeout, and a clock that moves a minute per reading.
    const db = await openPglite({ poolSize: 1, acquireTimeoutMs: 50, clock: steppedClock(60_000) });
    try {
      await db.exec(`CREATE TABLE ${META_TABLE} (key text PRIMARY KEY, value text NOT NULL)`);
      let release = (): void => undefined;
      const held = db.withConnection(() => new Promise<void>((resolve) => { release = resolve; }));
      const t0 = performance.now();
      const e = await readMeta(db).catch((x: unknown) => x);
      const realMs = performance.now() - t0;
      release();
      await held;
      expect(e).toBeInstanceOf(PoolTimeoutError);
      // Two 50 ms acquire timeouts before the clock says 120 s passed; the machine's clock would have waited 120 s.
      expect(realMs).toBeLessThan(30_000);
    } finally {
      await db.close();
    }
  });
});
