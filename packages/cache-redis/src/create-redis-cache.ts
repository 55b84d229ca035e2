import type { RedisCacheInput } from './config.js';
import { RedisCache } from './redis-cache.js';

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
