import {
  CacheType,
  type ConfigSchema,
  type FieldRule,
  type FileCacheConfig,
  rules,
  validateConfig,
  type WithOptionalType,
} from '@pywatt/cache-core';

/** `FileCacheConfig` with `type` optional, as `createFileCache` and `new FileCache` accept it. */
export type FileCacheOptions = WithOptionalType<FileCacheConfig>;

/** How often expired entries are swept and the bounds enforced, by default: one minute. */
export const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
/** A per-key file lock not refreshed for this long is taken as abandoned, by default. */
export const DEFAULT_LOCK_STALE_MS = 10_000;
/** proper-lockfile refreshes a held lock every second at best, so staleness below 2 s is not honoured. */
export const MIN_LOCK_STALE_MS = 2_000;

const directoryRule: FieldRule = (v) => {
  if (typeof v !== 'string' || v.length === 0)
    return 'must be a non-empty path string (the cache folder)';
  if (v.includes('\u0000')) return 'must not contain a NUL character';
  return undefined;
};

const lockStaleRule: FieldRule = (v) =>
  typeof v === 'number' && Number.isFinite(v) && v >= MIN_LOCK_STALE_MS
    ? undefined
    : `must be a finite number of milliseconds of at least ${MIN_LOCK_STALE_MS} (proper-lockfile's minimum), got ${String(v)}`;

/** The rules of the file backend's own fields. */
export const fileCacheSchema: ConfigSchema = {
  directory: directoryRule,
  maxItems: rules.optional(rules.integer(1)),
  maxSizeBytes: rules.optional(rules.integer(1)),
  sweepIntervalMs: rules.optional(rules.durationMs({ allowInfinity: true })),
  lockStaleMs: rules.optional(lockStaleRule),
  durable: rules.optional(rules.boolean()),
};

/** Validates a file cache config; throws CONFIGURATION naming the field at fault. */
export function validateFileCacheConfig(config: unknown): FileCacheOptions {
  return validateConfig<FileCacheOptions>(CacheType.FILE, config, fileCacheSchema);
}
