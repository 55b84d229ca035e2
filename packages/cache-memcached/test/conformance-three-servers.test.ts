import { runCacheConformance } from '@pywatt/cache-core/testing';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createMemcachedCache } from '../src/index.js';

runCacheConformance(
  { describe, it, expect, afterEach },
  {
    name: 'memcached (three servers on the ring)',
    create: (options) =>
      createMemcachedCache({
        servers: inject('three'),
        maxValueBytes: 2 * 1024 * 1024 - 4096,
        ...options,
      }),
    capabilities: { timeScale: 20, sharedStorage: true, largeValueBytes: 1024 * 1024 },
  },
);
