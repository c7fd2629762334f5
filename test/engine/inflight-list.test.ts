/** The share's list of requests in flight: send order, O(1) removal, and no links left on a removed request. */
import { describe, expect, it } from 'vitest';
import { InFlightList, type Linked } from '../../src/engine/inflight-list.js';

interface Item extends Linked<Item> { id: number }
const item = (id: number): Item => ({ id, prev: null, next: null, listed: false });
const ids = (l: InFlightList<Item>): number[] => l.toArray().map((x) => x.id);

describe('InFlightList', () => {
  it('keeps add order through removals at the head, the tail and the middle', () => {
    const l = new InFlightList<Item>();
    const xs = [0, 1, 2, 3, 4].map(item);
    for (const x of xs) l.add(x);
    expect(ids(l)).toEqual([0, 1, 2, 3, 4]);
    l.delete(xs[2]!);
    l.delete(xs[0]!);
    l.delete(xs[4]!);
    expect(ids(l)).toEqual([1, 3]);
    expect(l.size).toBe(2);
    expect(l.head?.id).toBe(1);
    l.add(xs[0]!);
    expect(ids(l)).toEqual([1, 3, 0]);
    l.delete(xs[1]!);
    l.delete(xs[3]!);
    l.delete(xs[0]!);
    expect(l.head).toBeNull();
    expect(l.size).toBe(0);
  });

  it('removing a request not in the list changes nothing (a request is released once, however many callbacks come)', () => {
    const l = new InFlightList<Item>();
    const a = item(1);
    const b = item(2);
    l.add(a);
    l.delete(b);
    l.delete(a);
    l.delete(a);
    expect(l.size).toBe(0);
    l.add(b);
    expect(ids(l)).toEqual([2]);
  });

  it('a removed request holds no link to another (a dead one never keeps a live one reachable)', () => {
    const l = new InFlightList<Item>();
    const xs = [0, 1, 2].map(item);
    for (const x of xs) l.add(x);
    l.delete(xs[1]!);
    expect([xs[1]!.prev, xs[1]!.next, xs[1]!.listed]).toEqual([null, null, false]);
    expect(xs[0]!.next).toBe(xs[2]);
    expect(xs[2]!.prev).toBe(xs[0]);
  });

  it('holds a run-sized churn in order: 100,000 adds, each removed in a random order a few places later', () => {
    const l = new InFlightList<Item>();
    const live: Item[] = [];
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let i = 0; i < 100_000; i++) {
      const x = item(i);
      l.add(x);
      live.push(x);
      if (live.length > 50) l.delete(live.splice(rand(live.length), 1)[0]!);
    }
    expect(l.size).toBe(live.length);
    expect(ids(l)).toEqual(live.map((x) => x.id).sort((a, b) => a - b));
  });
});
