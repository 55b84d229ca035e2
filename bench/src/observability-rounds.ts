import type { CacheService } from '@pywatt/cache-core';
import { withConcurrency } from './harness.js';

/** Awaited memory `get`s per round: a round takes about 1.5 ms, short enough to often miss other work. */
export const MEMORY_OPS = 5_000;
/** Redis `get`s per round, {@link REDIS_IN_FLIGHT} at a time. */
export const REDIS_OPS = 5_000;
export const REDIS_IN_FLIGHT = 64;

/**
 * One round of `get('k')` on `cache`, in a function of its own: compiled from its own
 * source text, so that no two caches share its call site's inline cache (closures of
 * one function literal share their feedback, and a call site that sees several cache
 * classes is slower for all of them than a program with one cache class ever is).
 */
export function getRound(
  cache: CacheService,
  ops: number,
  concurrent: boolean,
): () => Promise<void> {
  if (concurrent) {
    const make = new Function(
      'cache',
      'withConcurrency',
      'ops',
      'inFlight',
      "return () => withConcurrency(ops, inFlight, () => cache.get('k'));",
    );
    return make(cache, withConcurrency, ops, REDIS_IN_FLIGHT);
  }
  const make = new Function(
    'cache',
    'ops',
    "return async () => { for (let i = 0; i < ops; i++) await cache.get('k'); };",
  );
  return make(cache, ops);
}
