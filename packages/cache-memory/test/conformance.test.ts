import { CachePolicy } from '@pywatt/cache-core';
import { runCacheConformance, runStoreConformance } from '@pywatt/cache-core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryCache, MemoryStore } from '../src/index.js';

// The suite's timed cases sleep a fraction of an 80 ms TTL and expect the key alive; on a
// loaded shared machine (load 8 on 2 cores seen) a 27 ms sleep can overshoot, so TTLs are tripled.
const capabilities = { timeScale: 3 };

// Once per policy, each with bounds that the suite's cases fit in, so the
// bounded write path (not only the unbounded one) is what the contract runs against.
for (const policy of Object.values(CachePolicy)) {
  runCacheConformance(
    { describe, it, expect, afterEach },
    {
      name: `memory (${policy})`,
      create: (options) =>
        createMemoryCache({
          ...options,
          policy,
          maxItems: 100_000,
          maxSizeBytes: 64 * 1024 * 1024,
          sweepIntervalMs: 50,
        }),
      capabilities,
    },
  );
}

// And once with no bounds and no copies, the other branch of every path.
runCacheConformance(
  { describe, it, expect, afterEach },
  {
    name: 'memory (unbounded, copyValues false)',
    create: (options) => createMemoryCache({ ...options, copyValues: false }),
    capabilities,
  },
);

// The store itself through createCache, holding decoded JSON (the typed-value methods' other branch).
runStoreConformance(
  'memory store (decoded frozen)',
  () => new MemoryStore({ decoded: 'frozen', maxItems: 100_000, sweepIntervalMs: 50 }),
  { api: { describe, it, expect, afterEach }, capabilities },
);
