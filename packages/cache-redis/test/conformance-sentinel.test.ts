import { runCacheConformance } from '@pywatt/cache-core/testing';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createRedisCache } from '../src/index.js';

runCacheConformance(
  { describe, it, expect, afterEach },
  {
    name: 'redis (sentinel)',
    create: (options) => createRedisCache({ sentinel: inject('sentinel'), ...options }),
    capabilities: { sharedStorage: true, timeScale: 3 },
  },
);
