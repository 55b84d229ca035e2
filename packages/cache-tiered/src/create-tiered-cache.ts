import { CacheError, type CacheService } from '@pywatt/cache-core';
import {
  type ConfigSchema,
  checkFields,
  namespacePrefix,
  rules,
  validateNamespace,
} from '@pywatt/cache-core/store';
import type { InvalidationBus } from './bus.js';
import { MemoryTier, type MemoryTierSettings } from './memory-tier.js';
import { TieredCache } from './tiered-cache.js';

/** Options of the in-process tier. */
export interface L1Options {
  /** Most entries held; the least recently used go first. Default 10,000. */
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
  /** The shared tier: any connected `CacheService`. The tiered cache owns it and closes it. */
  l2: CacheService;
  /**
   * The namespace `l2` was created with (omit when it has none). Invalidations
   * carry full keys, so this must match L2's: the client-tracking bus reports
   * Redis keys, and caches whose namespaces overlap still hear each other.
   */
  namespace?: string | undefined;
  /** The memory tier's bounds and staleness limits. */
  l1?: L1Options | undefined;
  /**
   * Carries invalidations between processes ({@link createRedisBus},
   * {@link createRedisTrackingBus}). Without one, another process's write is
   * seen here only once the L1 entry expires (`l1.ttlMs`).
   */
  bus?: InvalidationBus | undefined;
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
    isCacheService(v) ? undefined : 'must be a connected CacheService (e.g. from createRedisCache)',
  namespace: rules.optional(rules.string()),
  l1: rules.optional(rules.object(l1Schema)),
  bus: (v) =>
    v === undefined || (typeof v === 'object' && v !== null && 'join' in v)
      ? undefined
      : 'must be an invalidation bus (createRedisBus, createRedisTrackingBus) or left out',
};

function isCacheService(value: unknown): value is CacheService {
  return (
    typeof value === 'object' &&
    value !== null &&
    ['get', 'set', 'getMany', 'clear', 'close'].every(
      (m) => typeof (value as Record<string, unknown>)[m] === 'function',
    )
  );
}

function fail(message: string): never {
  throw new CacheError('CONFIGURATION', `tiered cache options: ${message}`, {
    operation: 'create',
  });
}

/** Validates the options; throws a CONFIGURATION CacheError naming the field at fault. */
function resolveTieredOptions(options: unknown): {
  readonly l2: CacheService;
  readonly bus: InvalidationBus | undefined;
  readonly tier: MemoryTierSettings;
} {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    fail('must be an object such as { l2, l1: { maxItems: 10_000 }, bus }');
  }
  // Own properties only (checkFields): 'constructor' or a JSON '__proto__' is an unknown field.
  const problem = checkFields(options as Record<string, unknown>, schema);
  if (problem !== undefined) fail(problem);
  const o = options as TieredCacheOptions;
  if (o.namespace !== undefined) validateNamespace(o.namespace);
  const l1 = o.l1 ?? {};
  return {
    l2: o.l2,
    bus: o.bus,
    tier: {
      maxItems: l1.maxItems ?? DEFAULTS.maxItems,
      maxSizeBytes: l1.maxSizeBytes ?? DEFAULTS.maxSizeBytes,
      ttlMs: l1.ttlMs ?? DEFAULTS.ttlMs,
      maxStaleMs: l1.maxStaleMs ?? DEFAULTS.maxStaleMs,
      decoded: l1.decoded ?? 'copy',
      fullPrefix: namespacePrefix(o.namespace),
    },
  };
}

/**
 * An in-process tier in front of `options.l2`, kept coherent with the other
 * processes through `options.bus`. Resolves once the bus has confirmed its
 * subscription, so no invalidation can be missed by a cache that serves reads.
 * From then on the tiered cache owns `l2` (its `close()` closes L2).
 *
 * Rejects with `CONFIGURATION` for bad options and `CONNECTION` when the bus
 * cannot subscribe within its `connectTimeoutMs`.
 *
 * ```ts
 * const l2 = await createRedisCache({ url, namespace: 'app' });
 * const cache = await createTieredCache({
 *   l2,
 *   namespace: 'app',
 *   l1: { maxItems: 10_000, ttlMs: 30_000 },
 *   bus: createRedisBus({ url }),
 * });
 * ```
 */
export async function createTieredCache(options: TieredCacheOptions): Promise<TieredCache> {
  const { l2, bus, tier: settings } = resolveTieredOptions(options);
  const tier = new MemoryTier(settings, bus === undefined);
  const cache = new TieredCache(l2, tier, settings.fullPrefix, bus?.kind ?? 'none');
  if (bus !== undefined) cache.attach(await bus.join(tier, settings.fullPrefix));
  return cache;
}
