import { atomicCases } from './atomic.js';
import { batchAndClearCases } from './batch-and-clear.js';
import { type ConformanceOptions, type ConformanceTestApi, createSuiteContext } from './context.js';
import { lockCases } from './locks.js';
import { statsAndLifecycleCases } from './stats-and-lifecycle.js';
import { ttlCases } from './ttl.js';
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
    ttlCases(ctx);
    atomicCases(ctx);
    batchAndClearCases(ctx);
    lockCases(ctx);
    statsAndLifecycleCases(ctx);
  });
}
export { ReferenceCache } from './reference-cache.js';
