import { CacheError, type StoreCache } from '@pywatt/cache-core';
import { type ConfigSchema, checkFields, rules } from '@pywatt/cache-core/store';
import type {
  createRedisBus,
  createRedisTrackingBus,
  createTieredCache,
} from '@pywatt/cache-tiered';
import type { BackendFactory, CustomCacheConfig } from './registry.js';
import type { ParamKind } from './url.js';

/**
 * The fields (and URL parameters) that put an in-process tier of
 * `@pywatt/cache-tiered` in front of a Redis cache:
 * `redis://host/0?l1MaxItems=10000&l1TtlMs=30000&bus=pubsub`. Any of them adds the tier.
 */
export interface TierFields {
  /** `l1.maxItems` of the tier. */
  l1MaxItems?: number | undefined;
  /** `l1.maxSizeBytes`. */
  l1MaxSizeBytes?: number | undefined;
  /** `l1.ttlMs`. */
  l1TtlMs?: number | undefined;
  /** `l1.maxStaleMs`. */
  l1MaxStaleMs?: number | undefined;
  /** `l1.decoded`: `'copy'` or `'frozen'`. */
  l1Decoded?: 'copy' | 'frozen' | undefined;
  /** The invalidation bus over the same Redis: `'pubsub'`, `'tracking'`, or `'none'` (the L1 TTL bounds staleness). */
  bus?: 'pubsub' | 'tracking' | 'none' | undefined;
}

/** How the tier's URL parameters are read. */
export const TIER_PARAMS: Readonly<Record<keyof TierFields, ParamKind>> = {
  l1MaxItems: 'number',
  l1MaxSizeBytes: 'number',
  l1TtlMs: 'number',
  l1MaxStaleMs: 'number',
  l1Decoded: 'string',
  bus: 'string',
};

const tierSchema: ConfigSchema = {
  l1MaxItems: rules.optional(rules.integer(1)),
  l1MaxSizeBytes: rules.optional(rules.integer(1)),
  l1TtlMs: rules.optional(rules.durationMs()),
  l1MaxStaleMs: rules.optional(rules.either(rules.integer(0, 0), rules.durationMs())),
  l1Decoded: rules.optional(rules.oneOf(['copy', 'frozen'])),
  bus: rules.optional(rules.oneOf(['pubsub', 'tracking', 'none'])),
};

interface TieredModule {
  createTieredCache: typeof createTieredCache;
  createRedisBus: typeof createRedisBus;
  createRedisTrackingBus: typeof createRedisTrackingBus;
}

const TIERED_PACKAGE = '@pywatt/cache-tiered';

async function importTiered(): Promise<TieredModule> {
  // A parameter, not a literal: this package builds without the tier installed.
  const specifier = TIERED_PACKAGE;
  try {
    return (await import(specifier)) as TieredModule;
  } catch (error) {
    throw new CacheError(
      'BACKEND_NOT_INSTALLED',
      `the l1…/bus parameters need ${TIERED_PACKAGE}; install it next to @pywatt/cache-all: pnpm add ${TIERED_PACKAGE}`,
      { operation: 'create', backend: 'redis', cause: error },
    );
  }
}

function configError(message: string): never {
  throw new CacheError('CONFIGURATION', `redis cache config: ${message}`, {
    operation: 'create',
    backend: 'redis',
  });
}

/** The tier fields of `config` (checked), and the rest; `tier` is undefined when none is given. */
function splitTier(config: CustomCacheConfig): {
  rest: CustomCacheConfig;
  tier: TierFields | undefined;
} {
  const rest: CustomCacheConfig = { ...config };
  const tier: Record<string, unknown> = {};
  for (const name of Object.keys(TIER_PARAMS)) {
    if (!Object.hasOwn(config, name)) continue;
    tier[name] = config[name];
    delete rest[name];
  }
  if (Object.keys(tier).length === 0) return { rest, tier: undefined };
  const problem = checkFields(tier, tierSchema);
  if (problem !== undefined) configError(problem);
  return { rest, tier: tier as TierFields };
}

/**
 * The URL the bus connects to: the Redis of L2 (`url`, or one host), with its
 * credentials. A bus cannot follow Sentinel or Cluster yet.
 */
function busUrl(config: CustomCacheConfig): string {
  if (typeof config.url === 'string') return config.url;
  const hosts = config.hosts;
  if (config.sentinel !== undefined || config.cluster !== undefined || !Array.isArray(hosts)) {
    return configError(
      "field 'bus' needs a single-node Redis (redis://host:port); Sentinel and Cluster carry no bus yet: use bus=none",
    );
  }
  const scheme = config.tls === true ? 'rediss' : 'redis';
  const user = typeof config.username === 'string' ? encodeURIComponent(config.username) : '';
  const password =
    typeof config.password === 'string' ? `:${encodeURIComponent(config.password)}` : '';
  const auth = user === '' && password === '' ? '' : `${user}${password}@`;
  const port = typeof config.port === 'number' ? config.port : 6379;
  return `${scheme}://${auth}${hosts[0]}:${port}`;
}

/**
 * Wraps the Redis factory: a config with any {@link TierFields} gets the tier
 * in front of the Redis cache (the tier's package loaded only then); one
 * without is the plain Redis cache. Config errors are thrown before any I/O.
 */
export function withTier(load: () => Promise<BackendFactory>): () => Promise<BackendFactory> {
  return async () => {
    const createRedis = await load();
    return async (config) => {
      const { rest, tier } = splitTier(config);
      if (tier === undefined) return createRedis(rest);
      const kind = tier.bus ?? 'none';
      const url = kind === 'none' ? undefined : busUrl(rest);
      const tiered = await importTiered();
      const bus =
        url === undefined
          ? undefined
          : kind === 'pubsub'
            ? tiered.createRedisBus({ url })
            : tiered.createRedisTrackingBus({ url });
      const l2 = await createRedis(rest);
      try {
        return (await tiered.createTieredCache({
          l2,
          l1: {
            maxItems: tier.l1MaxItems,
            maxSizeBytes: tier.l1MaxSizeBytes,
            ttlMs: tier.l1TtlMs,
            maxStaleMs: tier.l1MaxStaleMs,
            decoded: tier.l1Decoded,
          },
          bus,
        })) as StoreCache;
      } catch (error) {
        await l2.close();
        throw error;
      }
    };
  };
}
