import { describe, expect, it } from 'vitest';
import { createCache } from '../../src/demo/cache.js';

describe('dashboard cache', () => {
  it('counts hits and misses, expires entries after the TTL and empties on clear', () => {
    let nowMs = 0;
    const cache = createCache<string>({ ttlMs: 1000, now: () => nowMs });
    expect(cache.get('a')).toBeUndefined();
    cache.set('a', 'A');
    expect(cache.get('a')).toBe('A');
    nowMs = 999;
    expect(cache.get('a')).toBe('A');
    nowMs = 1000;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size()).toBe(0);
    expect([cache.hits(), cache.misses()]).toEqual([2, 2]);
    cache.set('a', 'A');
    cache.set('b', 'B');
    expect(cache.clear()).toBe(2);
    expect(cache.get('b')).toBeUndefined();
  });

  it('evicts the least recently used entry beyond maxEntries', () => {
    const cache = createCache<number>({ maxEntries: 2 });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.get('a');
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
  });
});
