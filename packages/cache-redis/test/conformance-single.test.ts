import { runCacheConformance } from '@pywatt/cache-core/testing';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createRedisCache } from '../src/index.js';

runCacheConformance(
  { describe, it, expect, afterEach },
  {
    name: 'redis (single node)',
    create: (options) => createRedisCache({ url: inject('redisUrl'), ...options }),
    capabilities: { sharedStorage: true, timeScale: 3 },
  },
);
