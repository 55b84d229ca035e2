import type { CacheService } from '@pywatt/cache-core';
import { TestMemoryCache } from './test-memory-cache.js';

/**
 * A fresh in-memory cache for a test. Uses `@pywatt/cache-memory` once that
 * package is built and exports `createMemoryCache`; until then the test cache
 * modelled on cache-core's reference cache.
 */
export async function memoryCache(options: { defaultTtlMs?: number } = {}): Promise<CacheService> {
  try {
    const mod = (await import('@pywatt/cache-memory')) as Record<string, unknown>;
    if (typeof mod.createMemoryCache === 'function') {
      const create = mod.createMemoryCache as (config: object) => Promise<CacheService>;
      return await create({ ...options });
    }
  } catch {
    // not built yet
  }
  return new TestMemoryCache(options);
}
