import type { CacheService } from '@pywatt/cache-core';
import { encodeStoredInteger } from '@pywatt/cache-core/store';

/** The prefix of the counter key that gives fencing tokens: `fence:<lock key>`. */
export const FENCE_KEY_PREFIX = 'fence:';

/** Lock names whose highest token this process remembers, per cache (the most recently granted ones). */
export const REMEMBERED_LOCK_NAMES = 10_000;

// The counter lives in the cache, where clear(), eviction or another writer can lose it or set it
// back. What this process has issued cannot be lost, so every token is also made greater than that.
const issued = new WeakMap<CacheService, Map<string, number>>();

/**
 * The next fencing token of lock `lockKey`; call it only while holding the
 * lock. Increments the counter `fence:<lockKey>` (created without expiry).
 * Strictly greater than every token issued before for `lockKey` through
 * `cache` in this process (for the {@link REMEMBERED_LOCK_NAMES} most
 * recently granted names), whatever happened to the counter. A counter that
 * is gone restarts from `Date.now() × 1000` or above the highest token this
 * process issued, whichever is larger, so tokens of other processes stay
 * below it while fewer than 1000 grants per ms (on average since the counter
 * was created) were taken. Rejects with the cache's errors.
 */
export async function nextFencingToken(cache: CacheService, lockKey: string): Promise<number> {
  const fenceKey = FENCE_KEY_PREFIX + lockKey;
  let names = issued.get(cache);
  if (names === undefined) {
    names = new Map();
    issued.set(cache, names);
  }
  const highest = names.get(lockKey) ?? 0;
  // Without an explicit TTL, increment() would create the counter with the cache's default TTL.
  await cache.setIfAbsent(fenceKey, encodeStoredInteger(Math.max(Date.now() * 1000, highest)), {
    ttlMs: Number.POSITIVE_INFINITY,
  });
  let token = await cache.increment(fenceKey);
  // The counter was set back (recreated by another process from an earlier clock, or written over).
  if (token <= highest) token = await cache.increment(fenceKey, highest + 1 - token);
  names.delete(lockKey);
  names.set(lockKey, Math.max(token, highest));
  if (names.size > REMEMBERED_LOCK_NAMES) names.delete(names.keys().next().value as string);
  return token;
}
