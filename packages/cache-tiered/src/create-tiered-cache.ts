import { CacheError, type CacheServiceOptions, type CacheStore } from '@pywatt/cache-core';
import { type ConfigSchema, checkFields, namespacePrefix, rules } from '@pywatt/cache-core/store';
import type { InvalidationBus } from './bus.js';
import { MemoryTier, type MemoryTierSettings } from './memory-tier.js';
import { TieredCache } from './tiered-cache.js';
import { TieredStore } from './tiered-store.js';

/** Options of the in-process tier. */
export interface L1Options {
  /** Most entries held; eviction approximates least recently used (CLOCK). Default 10,000. */
  maxItems?: number | undefined;
  /** Most value bytes held. Default 64 MiB. A larger single value is never held in L1. */
  maxSizeBytes?: number | undefined;
  /**
   * The longest an entry stays in L1, in ms, whatever its L2 TTL (default 30,000).
   * Without a bus this is how stale a read can be; with one it bounds the damage
   * of an invalidation that never arrived. Entries read from L2 live this long;
   * entries this process wrote live min(their TTL, ttlMs).
   */
  ttlMs?: number | undefined;
  /**
   * How long L1 may still answer after the bus lost its connection, in ms.
   * Default 0: L1 is emptied at once and reads go to L2 until the bus is back.
   */
  maxStaleMs?: number | undefined;
  /**
   * What `getJson` returns: `'copy'` (default) decodes the bytes on every call,
   * so callers may mutate the result; `'frozen'` decodes once per L1 entry and
   * hands every caller the same deep-frozen object (no parse on a hit). Decoded
   * objects are held beside the bytes and not counted in `maxSizeBytes`.
   */
  decoded?: 'copy' | 'frozen' | undefined;
}

/** Options of {@link createTieredCache}. */
export interface TieredCacheOptions {
  /**
   * The shared tier: a cache made by `createCache` (any PyWatt backend's, e.g.
   * `createRedisCache(…)`), or a bare `CacheStore` (a `RedisStore`, a store
   * wrapped in a circuit breaker…). The tiered cache owns it and closes it.
   * From a cache, its store is used and its namespace, `defaultTtlMs`,
   * `maxValueBytes` and `traceKeys` become the tiered cache's.
   */
  l2: CacheStore | StoreBackedCache;
  /**
   * The namespace: with a store as `l2`, as for `createCache`. With a cache as
   * `l2` it is that cache's; give it only to check it (it must be the same).
   */
  namespace?: string | undefined;
  /** TTL of writes that give none, in ms (default: L2's, or 300,000 for a store). */
  defaultTtlMs?: number | undefined;
  /** Largest value accepted, in bytes (default: L2's). */
  maxValueBytes?: number | undefined;
  /** Put keys in tracing contexts and events (default: L2's, or false). */
  traceKeys?: boolean | undefined;
  /** The memory tier's bounds and staleness limits. */
  l1?: L1Options | undefined;
  /**
   * Carries invalidations between processes ({@link createRedisBus},
   * {@link createRedisTrackingBus}). Without one, another process's write is
   * seen here only once the L1 entry expires (`l1.ttlMs`).
   */
  bus?: InvalidationBus | undefined;
}

/** A cache made by `createCache`: its store and key prefix (what `StoreCache` exposes). */
export interface StoreBackedCache {
  readonly store: CacheStore;
  /** `'app:'` for namespace `app`, else `''`. */
  readonly keyPrefix: string;
  readonly defaultTtlMs: number;
  /** The options it runs with (core 0.1.1+; without them only the namespace and TTL carry over). */
  readonly serviceOptions?: Readonly<CacheServiceOptions> | undefined;
  close(): Promise<void>;
}

const DEFAULTS = { maxItems: 10_000, maxSizeBytes: 64 * 1024 * 1024, ttlMs: 30_000, maxStaleMs: 0 };

const l1Schema: ConfigSchema = {
  maxItems: rules.optional(rules.integer(1)),
  maxSizeBytes: rules.optional(rules.integer(1)),
  ttlMs: rules.optional(rules.durationMs()),
  maxStaleMs: rules.optional(rules.either(rules.integer(0, 0), rules.durationMs())),
  decoded: rules.optional(rules.oneOf(['copy', 'frozen'])),
};

const schema: ConfigSchema = {
  l2: (v) =>
    isStore(v) || isStoreBacked(v)
      ? undefined
      : 'must be a cache made by createCache (e.g. createRedisCache) or a CacheStore',
  namespace: rules.optional(rules.string()),
  defaultTtlMs: rules.any(),
  maxValueBytes: rules.any(),
  traceKeys: rules.any(),
  l1: rules.optional(rules.object(l1Schema)),
  bus: (v) =>
    v === undefined || (typeof v === 'object' && v !== null && 'join' in v)
      ? undefined
      : 'must be an invalidation bus (createRedisBus, createRedisTrackingBus) or left out',
};

function isStore(value: unknown): value is CacheStore {
  const v = value as CacheStore | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.name === 'string' &&
    typeof v.capabilities === 'object' &&
    ['get', 'set', 'getMany', 'clear', 'close'].every(
      (m) => typeof (v as unknown as Record<string, unknown>)[m] === 'function',
    )
  );
}

function isStoreBacked(value: unknown): value is StoreBackedCache {
  const v = value as StoreBackedCache | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    isStore(v.store) &&
    typeof v.keyPrefix === 'string' &&
    typeof v.close === 'function'
  );
}

function fail(message: string): never {
  throw new CacheError('CONFIGURATION', `tiered cache options: ${message}`, {
    operation: 'create',
  });
}

/** What the tiered cache is built from: L2's store, the service options, the tier's settings. */
interface ResolvedOptions {
  readonly l2: CacheStore;
  readonly closeL2: () => Promise<void>;
  readonly service: CacheServiceOptions;
  readonly bus: InvalidationBus | undefined;
  readonly tier: MemoryTierSettings;
}

/** The service options: L2's when it is a cache (a namespace given too must match), else the given ones. */
function serviceOptionsOf(o: TieredCacheOptions): CacheServiceOptions {
  const given = {
    namespace: o.namespace,
    defaultTtlMs: o.defaultTtlMs,
    maxValueBytes: o.maxValueBytes,
    traceKeys: o.traceKeys,
  };
  if (isStore(o.l2)) return given;
  const l2 = o.l2;
  const namespace = l2.keyPrefix === '' ? undefined : l2.keyPrefix.slice(0, -1);
  if (o.namespace !== undefined && o.namespace !== namespace) {
    fail(
      "field 'namespace' differs from l2's; leave it out: the tiered cache takes l2's namespace",
    );
  }
  const inherited = l2.serviceOptions ?? { defaultTtlMs: l2.defaultTtlMs };
  return {
    namespace,
    defaultTtlMs: o.defaultTtlMs ?? inherited.defaultTtlMs,
    maxValueBytes: o.maxValueBytes ?? inherited.maxValueBytes,
    traceKeys: o.traceKeys ?? inherited.traceKeys,
  };
}

/** Validates the options; throws a CONFIGURATION CacheError naming the field at fault. */
function resolveTieredOptions(options: unknown): ResolvedOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    fail('must be an object such as { l2, l1: { maxItems: 10_000 }, bus }');
  }
  // Own properties only (checkFields): 'constructor' or a JSON '__proto__' is an unknown field.
  const problem = checkFields(options as Record<string, unknown>, schema);
  if (problem !== undefined) fail(problem);
  const o = options as TieredCacheOptions;
  const service = serviceOptionsOf(o);
  const l1 = o.l1 ?? {};
  const l2 = o.l2;
  return {
    l2: isStore(l2) ? l2 : l2.store,
    closeL2: isStore(l2) ? async () => l2.close() : () => l2.close(),
    service,
    bus: o.bus,
    tier: {
      maxItems: l1.maxItems ?? DEFAULTS.maxItems,
      maxSizeBytes: l1.maxSizeBytes ?? DEFAULTS.maxSizeBytes,
      ttlMs: l1.ttlMs ?? DEFAULTS.ttlMs,
      maxStaleMs: l1.maxStaleMs ?? DEFAULTS.maxStaleMs,
      decoded: l1.decoded ?? 'copy',
    },
  };
}

/**
 * An in-process tier in front of `options.l2`, kept coherent with the other
 * processes through `options.bus`: core's `CacheService` (`createCache`) over
 * a {@link TieredStore}. Resolves once the bus has confirmed its subscription,
 * so no invalidation can be missed by a cache that serves reads. From then on
 * the tiered cache owns `l2` (its `close()` closes L2).
 *
 * Rejects with `CONFIGURATION` for bad options and `CONNECTION` when the bus
 * cannot subscribe within its `connectTimeoutMs` (`l2` is then still the caller's).
 *
 * ```ts
 * const l2 = await createRedisCache({ url, namespace: 'app' });
 * const cache = await createTieredCache({
 *   l2,
 *   l1: { maxItems: 10_000, ttlMs: 30_000 },
 *   bus: createRedisBus({ url }),
 * });
 * ```
 */
export async function createTieredCache(options: TieredCacheOptions): Promise<TieredCache> {
  const { l2, closeL2, service, bus, tier: settings } = resolveTieredOptions(options);
  const tier = new MemoryTier(settings, bus === undefined);
  const store = new TieredStore(l2, tier, bus?.kind ?? 'none', closeL2);
  const cache = new TieredCache(store, service);
  if (bus !== undefined) store.attach(await bus.join(tier, namespacePrefix(service.namespace)));
  return cache;
}
