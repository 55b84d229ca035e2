export {
  DEFAULTS,
  type MemcachedCacheConfig,
  type MemcachedCacheOptions,
  memcachedConfigSchema,
  validateMemcachedConfig,
} from './config.js';
export { HashRing, POINTS_PER_SERVER, type RingNode } from './hash-ring.js';
export { createMemcachedCache, MemcachedCache, MemcachedStore } from './memcached-cache.js';
