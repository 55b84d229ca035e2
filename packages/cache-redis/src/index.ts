export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_OPERATION_TIMEOUT_MS,
  type RedisCacheConfig,
  type RedisCacheInput,
  type RedisCacheOptions,
  redisConfigSchema,
} from './config.js';
export { createRedisCache, RedisCache } from './redis-cache.js';
export { RedisStore } from './redis-store.js';
