import { InMemoryCache } from './memory-cache.js';
import type { MemoryCacheOptions } from './memory-config.js';

/**
 * Validates `config`, builds an {@link InMemoryCache} and checks it answers.
 * `type` may be left out. Every field is optional: `policy` defaults to
 * `'lru'`, no bound by default, `defaultTtlMs` 300 000, `sweepIntervalMs`
 * 1000, `copyValues` true.
 *
 * @throws CacheError CONFIGURATION naming the first unknown, mistyped or impossible field.
 */
export async function createMemoryCache(config: MemoryCacheOptions = {}): Promise<InMemoryCache> {
  const cache = new InMemoryCache(config);
  await cache.ping();
  return cache;
}
