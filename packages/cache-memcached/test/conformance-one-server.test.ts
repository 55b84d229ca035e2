import { runCacheConformance } from '@pywatt/cache-core/testing';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createMemcachedCache } from '../src/index.js';

// memcached keeps whole seconds: 80 ms × 20 = 1.6 s TTLs, sent as 3 s (see expiry.ts).
runCacheConformance(
  { describe, it, expect, afterEach },
  {
    name: 'memcached (one server)',
    create: (options) =>
      createMemcachedCache({
        servers: [inject('single')],
        maxValueBytes: 2 * 1024 * 1024 - 4096,
        ...options,
      }),
    capabilities: { timeScale: 20, sharedStorage: true, largeValueBytes: 1024 * 1024 },
  },
);
