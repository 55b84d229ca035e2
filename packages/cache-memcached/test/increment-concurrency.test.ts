import { afterAll, describe, expect, inject, it } from 'vitest';
import { createMemcachedCache, type MemcachedCache } from '../src/index.js';

const opened: MemcachedCache[] = [];
afterAll(async () => {
  await Promise.all(opened.map((c) => c.close()));
});

describe('increment under contention', () => {
  it('50 concurrent clients × 100 increments on one key give exactly 5000', async () => {
    const namespace = `inc-${process.pid}-${Date.now()}`;
    const clients = await Promise.all(
      Array.from({ length: 50 }, () =>
        createMemcachedCache({ servers: inject('three'), namespace, operationTimeoutMs: 5000 }),
      ),
    );
    opened.push(...clients);
    const seen: number[] = [];
    await Promise.all(
      clients.map(async (client) => {
        for (let i = 0; i < 100; i++) seen.push(await client.increment('hits'));
      }),
    );
    expect(await clients[0]!.increment('hits', 0)).toBe(5000);
    // Every intermediate result was handed out exactly once.
    expect(new Set(seen).size).toBe(5000);
    expect(Math.max(...seen)).toBe(5000);
  });

  it('decrements below zero, which memcached decr cannot', async () => {
    const cache = await createMemcachedCache({
      servers: [inject('single')],
      namespace: `dec-${Date.now()}`,
    });
    opened.push(cache);
    await Promise.all(Array.from({ length: 40 }, () => cache.decrement('d', 3)));
    expect(await cache.getString('d')).toBe('-120');
    await cache.setString('big', String(2 ** 53 - 1));
    await expect(cache.increment('big')).rejects.toMatchObject({ code: 'OUT_OF_RANGE' });
    expect(
      await cache.getString('big'),
      'memcached incr would have wrapped or grown past 2^53',
    ).toBe(String(2 ** 53 - 1));
  });
});
