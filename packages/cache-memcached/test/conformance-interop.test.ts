import { runCacheConformance } from '@pywatt/cache-core/testing';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createMemcachedCache } from '../src/index.js';

// Interop mode: plain namespaced keys, flags 0, memcached's own expiry (see interop.ts). With no
// deadline in the flags an entry lives between ttlMs and ttlMs + 2 s (whole seconds, never early),
// so durations are scaled by 40 (80 ms × 40 = 3.2 s TTLs).
runCacheConformance(
  { describe, it, expect, afterEach },
  {
    name: 'memcached interop mode (three servers)',
    create: (options) =>
      createMemcachedCache({
        servers: inject('three'),
        interop: true,
        maxValueBytes: 2 * 1024 * 1024 - 4096,
        ...options,
      }),
    capabilities: { timeScale: 40, sharedStorage: true, largeValueBytes: 1024 * 1024 },
  },
);
