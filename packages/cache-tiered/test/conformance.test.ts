import { runCacheConformance } from '@pywatt/cache-core/testing';
import { createRedisCache } from '@pywatt/cache-redis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createRedisBus, createRedisTrackingBus, createTieredCache } from '../src/index.js';

// Each cache gets its own bus, as separate processes would: peers sharing a namespace
// see each other's writes only through Redis.
const variants = [
  { name: 'pub/sub bus', bus: (url: string) => createRedisBus({ url }) },
  { name: 'tracking bus', bus: (url: string) => createRedisTrackingBus({ url }) },
  { name: 'no bus', bus: () => undefined },
];

for (const variant of variants) {
  runCacheConformance(
    { describe, it, expect, afterEach },
    {
      name: `tiered (L1 + redis, ${variant.name})`,
      create: async ({ namespace, defaultTtlMs }) => {
        const url = inject('redisUrl');
        const l2 = await createRedisCache({ url, namespace, defaultTtlMs });
        return createTieredCache({ l2, namespace, l1: { maxItems: 1000 }, bus: variant.bus(url) });
      },
      capabilities: { sharedStorage: true, timeScale: 3 },
    },
  );
}
