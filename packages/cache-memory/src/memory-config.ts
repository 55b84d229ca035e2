import {
  CachePolicy,
  CacheType,
  type ConfigSchema,
  type FieldRule,
  type MemoryCacheConfig,
  rules,
  validateConfig,
  type WithOptionalType,
} from '@pywatt/cache-core';

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
  traceKeys: boolean;
}

/** Validates `config` (CONFIGURATION naming the field on failure) and applies the defaults. */
export function resolveMemoryConfig(config: unknown): ResolvedMemoryConfig {
  const c = validateConfig<MemoryCacheOptions>(CacheType.MEMORY, config, schema);
  return {
    namespace: c.namespace,
    defaultTtlMs: c.defaultTtlMs,
    maxValueBytes: c.maxValueBytes ?? Number.POSITIVE_INFINITY,
    policy: c.policy ?? CachePolicy.LRU,
    maxItems: c.maxItems ?? Number.POSITIVE_INFINITY,
    maxSizeBytes: c.maxSizeBytes ?? Number.POSITIVE_INFINITY,
    sweepIntervalMs: c.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS,
    copyValues: c.copyValues ?? true,
    traceKeys: c.traceKeys === true,
  };
}
