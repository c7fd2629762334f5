import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { createMinHeap, createReorderBuffer, type Keyed } from '../../src/traffic/logs/reorder.js';

describe('the reorder buffer', () => {
  it('heap: pops in key order, equal keys in insertion order', () => {
    const rng = createRng(3);
    const h = createMinHeap<number>();
    const keys = Array.from({ length: 2000 }, () => Math.floor(rng() * 100));
    keys.forEach((k, i) => h.push(k, i));
    const out: Keyed<number>[] = [];
    for (let e = h.pop(); e; e = h.pop()) out.push(e);
    expect(out.map((e) => e.k)).toEqual([...keys].sort((a, b) => a - b));
    for (let i = 1; i < out.length; i++) if (out[i]!.k === out[i - 1]!.k) expect(out[i]!.v).toBeGreaterThan(out[i - 1]!.v);
  });

  it('sorts a stream whose disorder stays within the window, holding no more than the window', () => {
    const rng = createRng(5);
    // Requests every 10 ms, logged at completion: up to 900 ms late.
    const items = Array.from({ length: 5000 }, (_, i) => ({ start: i * 10, end: i * 10 + rng() * 900 }));
    items.sort((a, b) => a.end - b.end);
    const buf = createReorderBuffer<number>(1000);
    const out: Keyed<number>[] = [];
    for (const it of items) buf.push(it.start, it.start, out);
    buf.flush(out);
    expect(out.map((e) => e.k)).toEqual(items.map((i) => i.start).sort((a, b) => a - b));
    expect(buf.stats.late).toBe(0);
    expect(buf.stats.peakHeld).toBeLessThanOrEqual(1000 / 10 + 100);
  });

  it('releases lines later than the window at once, clamped and counted, so order holds', () => {
    const buf = createReorderBuffer<string>(100);
    const out: Keyed<string>[] = [];
    for (const [k, v] of [[0, 'a'], [50, 'b'], [300, 'c'], [400, 'd'], [20, 'late'], [500, 'e']] as const) buf.push(k, v, out);
    buf.flush(out);
    expect(out.map((e) => `${e.k}:${e.v}`)).toEqual(['0:a', '50:b', '300:c', '300:late', '400:d', '500:e']);
    expect(buf.stats).toMatchObject({ late: 1, maxLateMs: 280 });
  });
});
