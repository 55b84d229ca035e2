import { readyOrClosed } from '@pywatt/cache-core';
import { type MemcachedCacheOptions, validateMemcachedConfig } from './config.js';
import { MemcachedCache } from './memcached-cache.js';

/**
 * Validates `config`, connects to every server and pings them, then resolves
 * with the cache. Rejects with CONFIGURATION naming a bad field, CONNECTION /
 * TIMEOUT naming a server that does not answer, UNAUTHORIZED when SASL
 * fails. On failure nothing is left open.
 */
export async function createMemcachedCache(config: MemcachedCacheOptions): Promise<MemcachedCache> {
  return readyOrClosed(new MemcachedCache(validateMemcachedConfig(config)));
}
