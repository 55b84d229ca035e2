import { CacheError, type StoreCache } from '@pywatt/cache-core';
import type { RedisStore } from '@pywatt/cache-redis';

// What only some backends can tell, through their public API: a key's remaining
// TTL and the keys under a prefix (to count a clear before doing it). A store that
// offers `keys(fullPrefix)` and `remainingTtlMs(fullKey)` (the file store) answers
// itself; Redis is asked with SCAN and PTTL through its client. Each answer is
// `undefined` where the backend cannot tell, so the commands can say so.

type RedisClient = RedisStore['client'];
const SCAN_BATCH = 500;

/** A store that lists its keys and tells a key's TTL itself. */
interface InspectableStore {
  keys(fullPrefix: string): Promise<string[]>;
  remainingTtlMs(fullKey: string): Promise<number | undefined>;
}

function inspectableOf(cache: StoreCache): InspectableStore | undefined {
  const store = cache.store as unknown as Partial<InspectableStore>;
  return typeof store.keys === 'function' && typeof store.remainingTtlMs === 'function'
    ? (store as InspectableStore)
    : undefined;
}

function redisOf(cache: StoreCache): RedisStore | undefined {
  return cache.store.name === 'redis' ? (cache.store as unknown as RedisStore) : undefined;
}

/** The data nodes to SCAN: every master of a Cluster, else the one server. */
function scanTargets(client: RedisClient): RedisClient[] {
  return 'nodes' in client && typeof client.nodes === 'function'
    ? (client.nodes('master') as RedisClient[])
    : [client];
}

const escapeGlob = (text: string): string => text.replace(/[*?[\]\\^-]/g, '\\$&');

/**
 * The remaining TTL of `key` in ms (`Infinity`: no expiry, `null`: no such key),
 * or `undefined` when the backend cannot tell. The key is validated as every
 * command would (INVALID_KEY).
 */
export async function remainingTtlMs(
  cache: StoreCache,
  key: string,
): Promise<number | null | undefined> {
  const inspectable = inspectableOf(cache);
  if (inspectable !== undefined) {
    if (!(await cache.exists(key))) return null;
    return (await inspectable.remainingTtlMs(cache.keyPrefix + key)) ?? null;
  }
  const redis = redisOf(cache);
  if (redis === undefined) return undefined;
  if (!(await cache.exists(key))) return null;
  const ms = await wrap(() => redis.client.pttl(cache.keyPrefix + key), redis, 'ttl');
  if (ms === -2) return null;
  return ms === -1 ? Number.POSITIVE_INFINITY : ms;
}

/**
 * The caller's keys (namespace removed) that `clear(prefix)` would remove, or
 * `undefined` when the backend cannot list its keys (memcached, proxy).
 * Locks are left out, as `clear` leaves them.
 */
export async function keysToClear(
  cache: StoreCache,
  prefix: string | undefined,
): Promise<string[] | undefined> {
  const fullPrefix = prefix === undefined ? cache.keyPrefix : `${cache.keyPrefix}${prefix}:`;
  const inspectable = inspectableOf(cache);
  if (inspectable !== undefined) {
    const keys = await inspectable.keys(fullPrefix);
    return keys.map((key) => key.slice(cache.keyPrefix.length));
  }
  const redis = redisOf(cache);
  if (redis === undefined) return undefined;
  const pattern = `${escapeGlob(fullPrefix)}*`;
  const found = new Set<string>();
  for (const node of scanTargets(redis.client)) {
    let cursor = '0';
    do {
      const [next, keys] = await wrap(
        () => node.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_BATCH),
        redis,
        'clear',
      );
      cursor = next;
      for (const key of keys) if (key.charCodeAt(fullPrefix.length) !== 0) found.add(key);
    } while (cursor !== '0');
  }
  return [...found].map((key) => key.slice(cache.keyPrefix.length));
}

async function wrap<T>(call: () => Promise<T>, store: RedisStore, operation: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw CacheError.is(error) ? error : store.mapError(error, operation);
  }
}
