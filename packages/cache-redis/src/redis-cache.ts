import { StoreCache } from '@pywatt/cache-core';
import type { Cluster, Redis } from 'ioredis';
import type { RedisCacheInput } from './config.js';
import { RedisStore } from './redis-store.js';

/**
 * A Redis cache: a `CacheService` over a {@link RedisStore}, plus the
 * ioredis `client` and `connect()`. `new RedisCache(config)` validates and
 * builds the client without I/O; {@link createRedisCache} also connects.
 */
export class RedisCache extends StoreCache<RedisStore> {
  /** @throws CacheError CONFIGURATION when a field is unknown, mistyped or impossible. */
  constructor(config: RedisCacheInput = {}) {
    const store = new RedisStore(config);
    const { namespace, defaultTtlMs, maxValueBytes, traceKeys } = store.config;
    super(store, { namespace, defaultTtlMs, maxValueBytes, traceKeys });
  }

  /** The ioredis client, for commands this cache does not offer. Do not close it while the cache is open. */
  get client(): Redis | Cluster {
    return this.store.client;
  }

  /** See {@link RedisStore.connect}. */
  connect(): Promise<void> {
    return this.store.connect();
  }
}

/**
 * Validates `config`, builds a {@link RedisCache}, connects and pings, then
 * resolves. Rejects with CONFIGURATION (naming the field), CONNECTION
 * (refused, unreachable), UNAUTHORIZED (wrong username or password) or
 * TIMEOUT; on failure no connection or reconnect timer is left behind.
 */
export async function createRedisCache(config: RedisCacheInput = {}): Promise<RedisCache> {
  const cache = new RedisCache(config);
  await cache.connect();
  return cache;
}
