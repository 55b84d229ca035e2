export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_OPERATION_TIMEOUT_MS,
  type RedisCacheInput,
  type RedisCacheOptions,
} from './config.js';
export { createRedisCache } from './create-redis-cache.js';
export { RedisCache } from './redis-cache.js';
