import { CacheError, CachePolicy } from '@pywatt/cache-core';
import {
  type BackendConfig,
  type FieldRule,
  rules,
  validateConfig,
  type WithOptionalType,
} from '@pywatt/cache-core/store';
import { MAX_HOT_KEYS } from './order/hot-keys.js';

/** How often expired entries are swept when `sweepIntervalMs` is not given, in ms. */
export const DEFAULT_SWEEP_INTERVAL_MS = 1000;
/** Entries (and locks) one sweep tick inspects at most, so a tick stays short whatever the size. */
export const SWEEP_BUDGET = 10_000;
// setInterval overflows above this and would fire at once.
const MAX_TIMER_MS = 2 ** 31 - 1;

const sweepInterval: FieldRule<number> = (v) =>
  v === Number.POSITIVE_INFINITY ||
  (typeof v === 'number' && Number.isFinite(v) && v >= 1 && v <= MAX_TIMER_MS)
    ? undefined
    : `must be a number of milliseconds from 1 to ${MAX_TIMER_MS}, or Infinity to sweep only on read, got ${String(v)}`;

/** The memory backend's own fields: each declared once, here; the config type is derived from it. */
export const memoryConfigSchema = {
  /** Eviction policy once a bound is reached. Default `lru`. */
  policy: rules.optional(rules.oneOf(Object.values(CachePolicy))),
  /** Most entries held. */
  maxItems: rules.optional(rules.integer(1)),
  /** Most bytes held (key bytes + value bytes). */
  maxSizeBytes: rules.optional(rules.integer(1)),
  /** How often expired entries are swept, in ms (`Infinity`: only on read). Default 1000. */
  sweepIntervalMs: rules.optional(sweepInterval),
  /** Copy values on the way in and out. Default true. */
  copyValues: rules.optional(rules.boolean()),
  /**
   * What `getJson` returns: `'copy'` (default) parses the entry's text on every
   * call, so callers may mutate the result; `'frozen'` parses once per entry and
   * hands every caller the same deep-frozen value (as cache-tiered's `l1.decoded`).
   */
  decoded: rules.optional(rules.oneOf(['copy', 'frozen'] as const)),
  /** Follow this many hottest keys by the frequency sketch (`lfu`, `tinylfu`; off by default). */
  hotKeys: rules.optional(rules.integer(1, MAX_HOT_KEYS)),
};

/** The in-process backend's config, as `createCacheService` takes it. */
export type MemoryCacheConfig = BackendConfig<'memory', typeof memoryConfigSchema>;

/** What `new InMemoryCache()`, `new MemoryStore()` and `createMemoryCache()` accept: `type` optional. */
export type MemoryCacheOptions = WithOptionalType<MemoryCacheConfig>;

/** The config with every default applied. */
export interface ResolvedMemoryConfig {
  namespace: string | undefined;
  defaultTtlMs: number | undefined;
  maxValueBytes: number | undefined;
  policy: CachePolicy;
  maxItems: number;
  maxSizeBytes: number;
  sweepIntervalMs: number;
  copyValues: boolean;
  /** What `getJson` hands out: a fresh parse, or one deep-frozen value per entry. */
  decoded: 'copy' | 'frozen';
  /** Hottest keys followed; 0 when off. */
  hotKeys: number;
  traceKeys: boolean;
}

/** Validates `config` (CONFIGURATION naming the field on failure) and applies the defaults. */
export function resolveMemoryConfig(config: unknown): ResolvedMemoryConfig {
  const c = validateConfig('memory', config, memoryConfigSchema);
  const policy = c.policy ?? CachePolicy.LRU;
  if (c.hotKeys !== undefined && policy !== 'lfu' && policy !== 'tinylfu') {
    throw new CacheError(
      'CONFIGURATION',
      `memory cache config: field 'hotKeys' needs a policy that keeps a frequency sketch ('lfu' or 'tinylfu'), got policy '${policy}'`,
      { operation: 'create', backend: 'memory' },
    );
  }
  return {
    namespace: c.namespace,
    defaultTtlMs: c.defaultTtlMs,
    maxValueBytes: c.maxValueBytes,
    policy,
    maxItems: c.maxItems ?? Number.POSITIVE_INFINITY,
    maxSizeBytes: c.maxSizeBytes ?? Number.POSITIVE_INFINITY,
    sweepIntervalMs: c.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS,
    copyValues: c.copyValues ?? true,
    decoded: c.decoded ?? 'copy',
    hotKeys: c.hotKeys ?? 0,
    traceKeys: c.traceKeys === true,
  };
}
