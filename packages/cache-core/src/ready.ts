import type { CacheService } from './types.js';

/**
 * The last step of every backend factory: runs `connect` (by default a ping)
 * and resolves with the cache, or closes it and rethrows, so a cache that
 * failed to become ready never leaves a socket, timer or handle open.
 */
export async function readyOrClosed<C extends CacheService>(
  cache: C,
  connect: (cache: C) => Promise<void> = (c) => c.ping(),
): Promise<C> {
  try {
    await connect(cache);
  } catch (error) {
    await cache.close();
    throw error;
  }
  return cache;
}
