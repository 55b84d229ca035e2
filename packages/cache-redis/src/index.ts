export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_OPERATION_TIMEOUT_MS,
  type RedisCacheConfig,
  type RedisCacheInput,
  type RedisCacheOptions,
  redisConfigSchema,
} from './config.js';
export { createRedisCache, RedisCache, RedisStore } from './redis-cache.js';
