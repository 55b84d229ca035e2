import { tracingChannel } from 'node:diagnostics_channel';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CacheChannelName, type CacheOperationContext } from '../src/index.js';
import { runCacheConformance } from '../src/testing/index.js';
import { ReferenceCache } from './reference-cache.js';

// The whole contract again with every channel subscribed: the traced paths must behave the same.
const contexts: CacheOperationContext[] = [];
const handlers = { asyncEnd: (context: CacheOperationContext) => void contexts.push(context) };
const channels = Object.values(CacheChannelName).map((name) =>
  tracingChannel<unknown, CacheOperationContext>(name),
);
beforeAll(() => {
  for (const channel of channels) channel.subscribe(handlers);
});
afterAll(() => {
  for (const channel of channels) channel.unsubscribe(handlers);
  // Proof that the suite above really went through the traced paths.
  expect(contexts.length).toBeGreaterThan(100);
});

runCacheConformance(
  { describe, it, expect, afterEach },
  { name: 'reference cache, traced', create: async (options) => new ReferenceCache(options) },
);
