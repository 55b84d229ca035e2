import type { CacheService } from '@pywatt/cache-core';
import { CacheAside } from './cache-aside.js';
import type { CacheAsideOptions, Loader } from './cache-aside-options.js';
import { flightStateOf } from './internal/flight-state.js';

/**
 * One cache-aside read: `cache`'s value for `key`, else `loader`'s, stored.
 * Calls on the same cache share single flight, so concurrent misses of one key
 * run one loader. Options and errors as in {@link CacheAside}; for many reads
 * with the same options, reuse a `CacheAside` (it skips option checks).
 */
export function cacheAside<T>(
  cache: CacheService,
  key: string,
  loader: Loader<T>,
  options: CacheAsideOptions<T> = {},
): Promise<T> {
  return new CacheAside<T>(cache, options, flightStateOf(cache)).get(key, loader);
}
