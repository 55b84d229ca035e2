import { CacheError } from '@pywatt/cache-core';
import { describe, expect, it } from 'vitest';
import { createMemoryCache, InMemoryCache } from '../src/index.js';

describe('config validation', () => {
  const bad: Array<[string, unknown]> = [
    ['policy', { policy: 'random' }],
    ['maxItems', { maxItems: 0 }],
    ['maxItems', { maxItems: 1.5 }],
    ['maxSizeBytes', { maxSizeBytes: -1 }],
    ['sweepIntervalMs', { sweepIntervalMs: 0 }],
    ['sweepIntervalMs', { sweepIntervalMs: 2 ** 31 }],
    ['copyValues', { copyValues: 'yes' }],
    ['defaultTtlMs', { defaultTtlMs: 0 }],
    ['namespace', { namespace: '' }],
    ['type', { type: 'redis' }],
    ['maxitems', { maxitems: 10 }],
  ];
  it.each(bad)('rejects a bad %s with CONFIGURATION naming it', async (field, config) => {
    const error = await createMemoryCache(config as never).catch((e: unknown) => e);
    expect(CacheError.is(error, 'CONFIGURATION')).toBe(true);
    expect((error as Error).message).toContain(`'${field}'`);
    expect(() => new InMemoryCache(config as never)).toThrow(CacheError);
  });

  it('accepts an empty config, type memory, and Infinity bounds on TTL and sweep', async () => {
    const caches = await Promise.all([
      createMemoryCache(),
      createMemoryCache({ type: 'memory', policy: 'fifo', maxItems: 1 }),
      createMemoryCache({ defaultTtlMs: Number.POSITIVE_INFINITY, sweepIntervalMs: Infinity }),
    ]);
    expect(caches.map((c) => c.type)).toEqual(['memory', 'memory', 'memory']);
    expect(caches[2]?.defaultTtlMs).toBe(Number.POSITIVE_INFINITY);
    await Promise.all(caches.map((c) => c.close()));
  });
});
