import { CacheError } from '@pywatt/cache-core';
import { describe, expect, it } from 'vitest';
import { BoundedStore } from '../src/bounded-store.js';
import { createMemoryCache } from '../src/index.js';
import { counters } from './store-ops.js';

const INF = Number.POSITIVE_INFINITY;

describe.each(['lfu', 'tinylfu'] as const)('hot keys with policy %s', (policy) => {
  it('reports the most used keys, hottest first, without the namespace, up to the limit', async () => {
    const cache = await createMemoryCache({
      policy,
      namespace: 'app',
      maxItems: 1000,
      hotKeys: 3,
      defaultTtlMs: INF,
    });
    try {
      const value = new Uint8Array(4);
      // a: 12 uses, b: 9, c: 6, d: 3; 300 keys used once in between.
      const uses: Record<string, number> = { a: 12, b: 9, c: 6, d: 3 };
      for (let round = 0; round < 12; round++) {
        for (const [key, n] of Object.entries(uses))
          if (round < n) await cache.set(`${key}`, value);
        for (let i = 0; i < 25; i++) await cache.set(`cold-${round}-${i}`, value);
      }
      const hot = cache.hotKeys();
      expect(hot.map((h) => h.key)).toEqual(['a', 'b', 'c']);
      expect(hot[0]?.estimate).toBeGreaterThan(hot[1]?.estimate as number);
      expect(hot[1]?.estimate).toBeGreaterThan(hot[2]?.estimate as number);
      expect(cache.hotKeys(1).map((h) => h.key)).toEqual(['a']);
    } finally {
      await cache.close();
    }
  });

  it('keys that cooled make room for keys hot now (estimates halve with the sketch)', () => {
    const store = new BoundedStore(
      { policy, maxItems: 50, maxSizeBytes: INF, copyValues: false, lfuSampleSize: 40, hotKeys: 2 },
      counters(),
    );
    const value = new Uint8Array(1);
    const use = (key: string, times: number) => {
      for (let i = 0; i < times; i++) store.write(key, value, INF);
    };
    // Saturated counts (15, 16 with tinylfu's doorkeeper): more than any key reaches in one sample.
    use('old-1', 20);
    use('old-2', 20);
    // Several samples later, with old-1 and old-2 never used again:
    for (let i = 0; i < 8; i++) {
      use('new-1', 3);
      use('new-2', 2);
      for (let j = 0; j < 5; j++) use(`filler-${i}-${j}`, 1);
    }
    expect(store.hotKeys(2)?.map((h) => h.key)).toEqual(['new-1', 'new-2']);
  });

  it('is unbounded-safe: a cache with no bounds still keeps the sketch when hot keys are asked for', async () => {
    const cache = await createMemoryCache({ policy, hotKeys: 1, defaultTtlMs: INF });
    try {
      for (let i = 0; i < 3; i++) await cache.get('x');
      await cache.set('y', new Uint8Array(1));
      for (let i = 0; i < 3; i++) await cache.get('y');
      expect(cache.hotKeys().map((h) => h.key)).toEqual(['y']);
    } finally {
      await cache.close();
    }
  });
});

describe('hot keys are opt-in', () => {
  it('without hotKeys the method rejects with UNSUPPORTED; after close() with CLOSED', async () => {
    const cache = await createMemoryCache({ policy: 'tinylfu', maxItems: 10 });
    expect(() => cache.hotKeys()).toThrow(expect.objectContaining({ code: 'UNSUPPORTED' }));
    await cache.close();
    const closed = await createMemoryCache({ policy: 'lfu', maxItems: 10, hotKeys: 2 });
    await closed.close();
    expect(() => closed.hotKeys()).toThrow(expect.objectContaining({ code: 'CLOSED' }));
  });

  it('hotKeys with a policy that keeps no sketch, or out of range, is a CONFIGURATION error', async () => {
    for (const config of [
      { policy: 'lru' as const, hotKeys: 5 },
      { hotKeys: 5 },
      { policy: 'lfu' as const, hotKeys: 0 },
      { policy: 'lfu' as const, hotKeys: 257 },
    ]) {
      const error = await createMemoryCache(config).catch((e: unknown) => e);
      expect(CacheError.is(error) && error.code).toBe('CONFIGURATION');
      expect(String((error as Error).message)).toContain('hotKeys');
    }
  });
});
