import { CachePolicy } from '@pywatt/cache-core';
import { runCacheConformance } from '@pywatt/cache-core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryCache } from '../src/index.js';

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
    },
  );
}

// And once with no bounds and no copies, the other branch of every path.
runCacheConformance(
  { describe, it, expect, afterEach },
  {
    name: 'memory (unbounded, copyValues false)',
    create: (options) => createMemoryCache({ ...options, copyValues: false }),
  },
);
