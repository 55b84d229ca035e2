import { afterEach, describe, expect, it } from 'vitest';
import { runCacheConformance } from '../src/testing/index.js';
import { ReferenceCache } from './reference-cache.js';

runCacheConformance(
  { describe, it, expect, afterEach },
  { name: 'reference cache', create: async (options) => new ReferenceCache(options) },
);
