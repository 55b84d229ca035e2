import type { CacheService } from '@pywatt/cache-core';
import { createMemoryCache } from '@pywatt/cache-memory';

/** A fresh `@pywatt/cache-memory` cache for one test. */
export function memoryCache(options: { defaultTtlMs?: number } = {}): Promise<CacheService> {
  return createMemoryCache(options);
}
