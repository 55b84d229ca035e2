export { DEFAULTS, type MemcachedCacheOptions, validateMemcachedConfig } from './config.js';
export { createMemcachedCache } from './create.js';
export { HashRing, POINTS_PER_SERVER, type RingNode } from './hash-ring.js';
export { MemcachedCache } from './memcached-cache.js';
