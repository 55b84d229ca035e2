import { type RedisServer, redisCli, startRedis } from '@pywatt/test-servers/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisTrackingBus, type TieredCache } from '../src/index.js';
import { bytes, freshNamespace, l1Figures, text, tiered, waitFor } from './support/helpers.js';

// A server of its own: these tests FLUSHALL.
let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const cli = (...args: string[]) => redisCli(redis.port, args);

async function trackedCache(namespace: string): Promise<TieredCache> {
  const bus = createRedisTrackingBus({ url: redis.url });
  return (await tiered(redis.url, namespace, bus, { ttlMs: 600_000 })).cache;
}

describe('the client-tracking bus', () => {
  it('a redis-cli SET, DEL or EXPIRE from outside invalidates L1', async () => {
    const namespace = freshNamespace();
    const cache = await trackedCache(namespace);
    try {
      await cli('SET', `${namespace}:k`, 'outside-1');
      expect(text(await cache.get('k'))).toBe('outside-1');
      expect(text(await cache.get('k'))).toBe('outside-1');
      expect((await l1Figures(cache)).l1Hits, 'served from L1').toBe(1);
      await cli('SET', `${namespace}:k`, 'outside-2');
      await waitFor('L1 to drop k', async () => text(await cache.get('k')) === 'outside-2');
      await cli('DEL', `${namespace}:k`);
      await waitFor('L1 to drop k again', async () => (await cache.get('k')) === undefined);
      await cli('SET', `${namespace}:k`, 'short', 'PX', '200');
      expect(text(await cache.get('k'))).toBe('short');
      await waitFor('Redis to report the expiry', async () => (await cache.get('k')) === undefined);
    } finally {
      await cache.close();
    }
  });

  it('keys outside the namespace are not tracked; FLUSHALL empties L1', async () => {
    const namespace = freshNamespace();
    const cache = await trackedCache(namespace);
    try {
      await cache.set('k', bytes('v'));
      await waitFor('our own write to come back as an invalidation', async () => {
        return ((await l1Figures(cache)).busInvalidations as number) >= 1;
      });
      expect(text(await cache.get('k'))).toBe('v');
      await cli('SET', `${namespace}:probe`, 'old');
      expect(text(await cache.get('probe'))).toBe('old');
      const before = (await l1Figures(cache)).busInvalidations as number;
      await cli('SET', `other-${namespace}:k`, 'x');
      await cli('SET', `${namespace}:probe`, 'new');
      await waitFor('the probe invalidation', async () => text(await cache.get('probe')) === 'new');
      // Redis sends invalidations in order: had the other key been tracked, its message came first.
      expect((await l1Figures(cache)).busInvalidations).toBe(before + 1);
      expect((await l1Figures(cache)).l1Items, 'k and probe held').toBe(2);
      await cli('FLUSHALL');
      await waitFor('FLUSHALL to empty L1', async () => (await l1Figures(cache)).l1Items === 0);
    } finally {
      await cache.close();
    }
  });

  it('serves one namespace per bus', async () => {
    const bus = createRedisTrackingBus({ url: redis.url });
    const first = await tiered(redis.url, 'one', bus);
    try {
      await expect(tiered(redis.url, 'two', bus)).rejects.toMatchObject({ code: 'CONFIGURATION' });
    } finally {
      await first.cache.close();
    }
  });
});
