import {
  type CacheOperationContext,
  type CacheStore,
  subscribeCacheChannel,
} from '@pywatt/cache-core';
import { createRedisCache, RedisStore } from '@pywatt/cache-redis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createTieredCache } from '../src/index.js';
import { bytes, closeAfterEach, freshNamespace, rawClient, text } from './support/helpers.js';

const url = () => inject('redisUrl');
const track = closeAfterEach(afterEach);

describe('the tier is a CacheStore behind core’s createCache', () => {
  it('takes the namespace, TTL and value bound of a cache given as l2, once', async () => {
    const namespace = freshNamespace();
    const l2 = await createRedisCache({
      url: url(),
      namespace,
      maxValueBytes: 8,
      defaultTtlMs: 60_000,
    });
    const cache = track(await createTieredCache({ l2 }));
    const raw = track(rawClient(url()));
    await cache.set('k', bytes('v'));
    expect(await raw.get(`${namespace}:k`), 'stored under L2’s namespace').toBe('v');
    const ttlMs = await raw.pttl(`${namespace}:k`);
    expect(ttlMs).toBeGreaterThan(0);
    expect(ttlMs).toBeLessThanOrEqual(60_000);
    await expect(cache.set('big', bytes('123456789'))).rejects.toMatchObject({
      code: 'VALUE_TOO_LARGE',
    });
    expect(cache.keyPrefix).toBe(`${namespace}:`);
    expect(cache.type).toBe('redis');
  });

  it('rejects a namespace that differs from l2’s; accepts the same one', async () => {
    const namespace = freshNamespace();
    const l2 = track(await createRedisCache({ url: url(), namespace }));
    await expect(createTieredCache({ l2, namespace: 'other' })).rejects.toMatchObject({
      code: 'CONFIGURATION',
      message: expect.stringContaining('namespace'),
    });
    await createTieredCache({ l2, namespace }); // closed with l2
  });

  it('takes a bare CacheStore (e.g. one wrapped in a decorator) with the service options beside it', async () => {
    const namespace = freshNamespace();
    const inner = new RedisStore({ url: url() });
    await inner.connect();
    const calls: string[] = [];
    // A decorator, as a circuit breaker would be: forwards every method, noting which ran.
    const decorated = new Proxy(inner, {
      get(target, property, receiver) {
        const member = Reflect.get(target, property, receiver);
        if (typeof member !== 'function' || typeof property !== 'string') return member;
        return (...args: unknown[]) => {
          calls.push(property);
          return member.apply(target, args);
        };
      },
    }) as CacheStore;
    const cache = track(await createTieredCache({ l2: decorated, namespace, defaultTtlMs: 5_000 }));
    await cache.setString('k', 'v');
    expect(await cache.getString('k')).toBe('v');
    expect(
      calls.filter((c) => c === 'get'),
      'the read was an L1 hit',
    ).toHaveLength(0);
    const raw = track(rawClient(url()));
    expect(await raw.pttl(`${namespace}:k`)).toBeLessThanOrEqual(5_000);
    await cache.close();
    expect(calls).toContain('close');
  });

  it('validates every argument the way every other cache does (core’s service)', async () => {
    const cache = track(await createTieredCache({ l2: await createRedisCache({ url: url() }) }));
    await expect(cache.get('')).rejects.toMatchObject({ code: 'INVALID_KEY' });
    await expect(cache.set('k', 'v' as unknown as Uint8Array)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await cache.close();
    await expect(cache.get('k')).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it("traces L1 hits on core's get channel, frozen getJson hits included, once per call", async () => {
    const namespace = freshNamespace();
    const l2 = await createRedisCache({ url: url(), namespace, traceKeys: true });
    const cache = track(await createTieredCache({ l2, l1: { decoded: 'frozen' } }));
    await cache.setJson('j', { a: 1 });
    await cache.set('b', bytes('x'));
    const seen: CacheOperationContext[] = [];
    const unsubscribe = subscribeCacheChannel('get', {
      asyncEnd: (context) => {
        if (context.cache === cache) seen.push(context);
      },
    });
    try {
      expect(await cache.getJson('j')).toEqual({ a: 1 });
      expect(text(await cache.get('b'))).toBe('x');
      expect(await cache.getJson('absent')).toBeUndefined();
    } finally {
      unsubscribe();
    }
    expect(seen.map((c) => [c.operation, c.keys, c.hit])).toEqual([
      ['get', ['j'], true],
      ['get', ['b'], true],
      ['get', ['absent'], false],
    ]);
    const stats = await cache.stats();
    expect([stats.hits, stats.misses]).toEqual([2, 1]);
  });
});
