import { createRedisCache } from '@pywatt/cache-redis';
import { createCache } from 'cache-manager';
import Keyv from 'keyv';
import { describe, expect, inject, it } from 'vitest';
import { toKeyvStore } from '../src/index.js';

describe('cache-manager 7 over the Redis backend', () => {
  it('wrap() loads once, then serves the value stored in Redis', async () => {
    const cache = await createRedisCache({
      url: inject('redisUrl'),
      namespace: `cm-${process.pid}`,
    });
    try {
      const manager = createCache({ stores: [new Keyv({ store: toKeyvStore(cache) })] });
      let loads = 0;
      const load = async () => {
        loads++;
        return { id: 1, name: 'Ada', loads };
      };
      const first = await manager.wrap('user:1', load, 60_000);
      const second = await manager.wrap('user:1', load, 60_000);
      expect(first).toEqual({ id: 1, name: 'Ada', loads: 1 });
      expect(second).toEqual(first);
      expect(loads).toBe(1);
      expect(
        await cache.exists('keyv:user:1'),
        'the entry lives in Redis under Keyv’s namespace',
      ).toBe(true);
      await manager.del('user:1');
      expect(await cache.exists('keyv:user:1')).toBe(false);
      const third = await manager.wrap('user:1', load, 60_000);
      expect(third.loads).toBe(2);
    } finally {
      await cache.close();
    }
  });
});
