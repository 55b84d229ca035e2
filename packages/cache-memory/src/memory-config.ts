import {
  CacheError,
  CachePolicy,
  CacheType,
  type ConfigSchema,
  type FieldRule,
  type MemoryCacheConfig,
  rules,
  validateConfig,
  type WithOptionalType,
} from '@pywatt/cache-core';
import { MAX_HOT_KEYS } from './order/hot-keys.js';

/** What `new InMemoryCache()` and `createMemoryCache()` accept: the memory config, `type` optional. */
export type MemoryCacheOptions = WithOptionalType<MemoryCacheConfig>;

/** How often expired entries are swept when `sweepIntervalMs` is not given, in ms. */
export const DEFAULT_SWEEP_INTERVAL_MS = 1000;
/** Entries (and locks) one sweep tick inspects at most, so a tick stays short whatever the size. */
export const SWEEP_BUDGET = 10_000;
// setInterval overflows above this and would fire at once.
const MAX_TIMER_MS = 2 ** 31 - 1;

const sweepInterval: FieldRule = (v) =>
  v === Number.POSITIVE_INFINITY ||
  (typeof v === 'number' && Number.isFinite(v) && v >= 1 && v <= MAX_TIMER_MS)
    ? undefined
    : `must be a number of milliseconds from 1 to ${MAX_TIMER_MS}, or Infinity to sweep only on read, got ${String(v)}`;

const schema: ConfigSchema = {
  policy: rules.optional(rules.oneOf(Object.values(CachePolicy))),
  maxItems: rules.optional(rules.integer(1)),
  maxSizeBytes: rules.optional(rules.integer(1)),
  sweepIntervalMs: rules.optional(sweepInterval),
  copyValues: rules.optional(rules.boolean()),
  hotKeys: rules.optional(rules.integer(1, MAX_HOT_KEYS)),
};

/** The config with every default applied. */
export interface ResolvedMemoryConfig {
  namespace: string | undefined;
  defaultTtlMs: number | undefined;
  maxValueBytes: number;
  policy: CachePolicy;
  maxItems: number;
  maxSizeBytes: number;
  sweepIntervalMs: number;
  copyValues: boolean;
  /** Hottest keys followed; 0 when off. */
  hotKeys: number;
  traceKeys: boolean;
}

/** Validates `config` (CONFIGURATION naming the field on failure) and applies the defaults. */
export function resolveMemoryConfig(config: unknown): ResolvedMemoryConfig {
  const c = validateConfig<MemoryCacheOptions>(CacheType.MEMORY, config, schema);
  const policy = c.policy ?? CachePolicy.LRU;
  if (c.hotKeys !== undefined && policy !== 'lfu' && policy !== 'tinylfu') {
    throw new CacheError(
      'CONFIGURATION',
      `memory cache config: field 'hotKeys' needs a policy that keeps a frequency sketch ('lfu' or 'tinylfu'), got policy '${policy}'`,
      { operation: 'create', backend: CacheType.MEMORY },
    );
  }
  return {
    namespace: c.namespace,
    defaultTtlMs: c.defaultTtlMs,
    maxValueBytes: c.maxValueBytes ?? Number.POSITIVE_INFINITY,
    policy,
    maxItems: c.maxItems ?? Number.POSITIVE_INFINITY,
    maxSizeBytes: c.maxSizeBytes ?? Number.POSITIVE_INFINITY,
    sweepIntervalMs: c.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS,
    copyValues: c.copyValues ?? true,
    hotKeys: c.hotKeys ?? 0,
    traceKeys: c.traceKeys === true,
  };
}
