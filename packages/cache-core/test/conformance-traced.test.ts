import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type CacheOperationContext,
  createCache,
  type OperationFamily,
  subscribeCacheChannel,
} from '../src/index.js';
import { runCacheConformance } from '../src/testing/index.js';
import { ReferenceStore } from './reference-cache.js';

// The whole contract again with every channel subscribed: the traced paths must behave the same.
const contexts: CacheOperationContext[] = [];
const families: OperationFamily[] = ['get', 'set', 'delete', 'batch', 'atomic', 'lock', 'clear'];
let stops: Array<() => void> = [];
beforeAll(() => {
  stops = families.map((family) =>
    subscribeCacheChannel(family, { asyncEnd: (context) => void contexts.push(context) }),
  );
});
afterAll(() => {
  for (const stop of stops) stop();
  // Proof that the suite above really went through the traced paths.
  expect(contexts.length).toBeGreaterThan(100);
});

runCacheConformance(
  { describe, it, expect, afterEach },
  {
    name: 'reference cache, traced',
    create: async (options) => createCache(new ReferenceStore(), options),
  },
);
