import { afterEach, describe, expect, it } from 'vitest';
import { createCache } from '../src/index.js';
import { runCacheConformance, runStoreConformance } from '../src/testing/index.js';
import { ReferenceStore } from './reference-cache.js';

runStoreConformance('reference store', () => new ReferenceStore(), {
  api: { describe, it, expect, afterEach },
});

// The older entry point, given caches: still supported for code that makes its own.
runCacheConformance(
  { describe, it, expect, afterEach },
  {
    name: 'reference cache through runCacheConformance',
    create: async (options) => createCache(new ReferenceStore(), options),
  },
);
