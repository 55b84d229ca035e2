import type { Awaitable, CacheStore } from '../store.js';
import { createCache } from '../store-cache.js';
import { atomicCases } from './atomic.js';
import { batchAndClearCases } from './batch-and-clear.js';
import {
  type ConformanceCapabilities,
  type ConformanceOptions,
  type ConformanceTestApi,
  createSuiteContext,
} from './context.js';
import { lockCases } from './locks.js';
import { statsAndLifecycleCases } from './stats-and-lifecycle.js';
import { ttlCases } from './ttl.js';
import { typedValueCases } from './typed-values.js';
import { valueAndKeyCases } from './values-and-keys.js';

export type {
  ConformanceCapabilities,
  ConformanceOptions,
  ConformanceTestApi,
  CreateCacheOptions,
} from './context.js';

/**
 * Registers every rule of the cache contract as test cases, against caches
 * made by `options.create`. Pass vitest's functions:
 *
 * ```ts
 * import { afterEach, describe, expect, it } from 'vitest';
 * runCacheConformance({ describe, it, expect, afterEach }, { name: 'memory', create: (o) => createMemoryCache(o) });
 * ```
 */
export function runCacheConformance(api: ConformanceTestApi, options: ConformanceOptions): void {
  api.describe(`${options.name} honours the cache contract`, () => {
    const ctx = createSuiteContext(api, options);
    valueAndKeyCases(ctx);
    typedValueCases(ctx);
    ttlCases(ctx);
    atomicCases(ctx);
    batchAndClearCases(ctx);
    lockCases(ctx);
    statsAndLifecycleCases(ctx);
  });
}

/** Options of {@link runStoreConformance}. */
export interface StoreConformanceOptions {
  /** vitest's functions: `{ describe, it, expect, afterEach }`. */
  api: ConformanceTestApi;
  /** What the store differs in (see {@link ConformanceCapabilities}). */
  capabilities?: ConformanceCapabilities;
}

/**
 * Runs the whole cache contract against caches made with
 * `createCache(await createStore(), { namespace, defaultTtlMs })`. `createStore`
 * is called once per cache a case opens; with `capabilities.sharedStorage`,
 * the stores it makes must share their data (same server, same directory).
 *
 * ```ts
 * import { afterEach, describe, expect, it } from 'vitest';
 * runStoreConformance('acme', () => new AcmeStore(), { api: { describe, it, expect, afterEach } });
 * ```
 */
export function runStoreConformance(
  name: string,
  createStore: () => Awaitable<CacheStore>,
  options: StoreConformanceOptions,
): void {
  runCacheConformance(options.api, {
    name,
    create: async (o) => createCache(await createStore(), o),
    ...(options.capabilities === undefined ? {} : { capabilities: options.capabilities }),
  });
}

export { ReferenceCache, ReferenceStore } from './reference-cache.js';
