import { runCacheConformance } from '@pywatt/cache-core/testing';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createRedisCache } from '../src/index.js';

runCacheConformance(
  { describe, it, expect, afterEach },
  {
    name: 'redis (3-master cluster)',
    create: (options) =>
      createRedisCache({ cluster: { nodes: inject('clusterNodes') }, ...options }),
    capabilities: { sharedStorage: true, timeScale: 3 },
  },
);
