import { CacheError, type CacheService } from '@pywatt/cache-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  EventInvalidationStrategy,
  type InvalidationStrategy,
  LruInvalidationStrategy,
  TtlInvalidationStrategy,
} from '../src/index.js';
import { memoryCache } from './support/memory.js';

let cache: CacheService;
beforeEach(async () => {
  cache = await memoryCache();
});
afterEach(async () => {
  await cache.close();
});

const strategies: Array<[string, (c: CacheService) => InvalidationStrategy]> = [
  ['ttl', (c) => new TtlInvalidationStrategy(c, { ttlMs: 60_000 })],
  ['event', (c) => new EventInvalidationStrategy(c)],
  ['event, versioned', (c) => new EventInvalidationStrategy(c, { versioned: true })],
  ['lru', (c) => new LruInvalidationStrategy(c, { maxItems: 100 })],
];

describe.each(strategies)('%s strategy', (_name, make) => {
  it('invalidate makes one entity miss; invalidateType makes its whole type miss, not others', async () => {
    const s = make(cache);
    for (const id of ['1', '2']) await cache.setString(await s.keyFor('user', id), `u${id}`);
    await cache.setString(await s.keyFor('order', '1'), 'o1');
    await s.invalidate('user', '1');
    expect(await cache.getString(await s.keyFor('user', '1'))).toBeUndefined();
    expect(await cache.getString(await s.keyFor('user', '2'))).toBe('u2');
    await s.invalidateType('user');
    expect(await cache.getString(await s.keyFor('user', '2'))).toBeUndefined();
    expect(await cache.getString(await s.keyFor('order', '1'))).toBe('o1');
  });

  it('rejects a type containing ":" with INVALID_ARGUMENT', async () => {
    const error = await make(cache)
      .keyFor('a:b', '1')
      .catch((e: unknown) => e);
    expect(CacheError.is(error, 'INVALID_ARGUMENT')).toBe(true);
  });
});

describe('versioned EventInvalidationStrategy', () => {
  it('invalidateType is one atomic increment: old entries stay stored but are never read', async () => {
    const s = new EventInvalidationStrategy(cache, { versioned: true });
    const before = await s.keyFor('user', '1');
    await cache.setString(before, 'old');
    const v = await s.version('user');
    await Promise.all(Array.from({ length: 10 }, () => s.invalidateType('user')));
    expect(await s.version('user')).toBe(v + 10);
    const after = await s.keyFor('user', '1');
    expect(after).not.toBe(before);
    expect(await cache.getString(before)).toBe('old'); // nothing scanned or deleted
    expect(await cache.getString(after)).toBeUndefined();
  });

  it('two strategies over one cache (two processes) agree on the version', async () => {
    const a = new EventInvalidationStrategy(cache, { versioned: true });
    const b = new EventInvalidationStrategy(cache, { versioned: true });
    expect(await a.keyFor('t', 'x')).toBe(await b.keyFor('t', 'x'));
    await a.invalidateType('t');
    expect(await a.keyFor('t', 'x')).toBe(await b.keyFor('t', 'x'));
  });
});

describe('LruInvalidationStrategy', () => {
  it('deletes the least recently used key from the cache beyond maxItems', async () => {
    const s = new LruInvalidationStrategy(cache, { maxItems: 2 });
    await cache.setString(await s.keyFor('t', 'a'), 'a');
    await cache.setString(await s.keyFor('t', 'b'), 'b');
    await s.keyFor('t', 'a'); // a is now more recent than b
    await cache.setString(await s.keyFor('t', 'c'), 'c');
    expect(await cache.exists('t:b')).toBe(false);
    expect(await cache.getString('t:a')).toBe('a');
    expect(await cache.getString('t:c')).toBe('c');
    expect(s.size).toBe(2);
  });
});
