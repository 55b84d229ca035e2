import {
  type BackendConfig,
  type FieldRule,
  rules,
  validateConfig,
  type WithOptionalType,
} from '@pywatt/cache-core/store';

/** How often expired entries are swept and the bounds enforced, by default: one minute. */
export const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
/** A per-key file lock not refreshed for this long is taken as abandoned, by default. */
export const DEFAULT_LOCK_STALE_MS = 10_000;
/** proper-lockfile refreshes a held lock every second at best, so staleness below 2 s is not honoured. */
export const MIN_LOCK_STALE_MS = 2_000;

const directoryRule: FieldRule<string> = (v) => {
  if (typeof v !== 'string' || v.length === 0)
    return 'must be a non-empty path string (the cache folder)';
  if (v.includes('\u0000')) return 'must not contain a NUL character';
  return undefined;
};

const lockStaleRule: FieldRule<number> = (v) =>
  typeof v === 'number' && Number.isFinite(v) && v >= MIN_LOCK_STALE_MS
    ? undefined
    : `must be a finite number of milliseconds of at least ${MIN_LOCK_STALE_MS} (proper-lockfile's minimum), got ${String(v)}`;

/** The file backend's own fields: each declared once, here; the config type is derived from it. */
export const fileCacheSchema = {
  /** The directory that holds the entries; created when missing. */
  directory: directoryRule,
  /** Most entries kept; the sweep evicts the least recently used above it. */
  maxItems: rules.optional(rules.integer(1)),
  /** Most bytes kept (entry files); the sweep evicts the least recently used above it. */
  maxSizeBytes: rules.optional(rules.integer(1)),
  /** How often expired entries, orphaned temp files and excess entries are swept, in ms. */
  sweepIntervalMs: rules.optional(rules.durationMs({ allowInfinity: true })),
  /** A per-key file lock older than this many ms is taken as abandoned. */
  lockStaleMs: rules.optional(lockStaleRule),
  /** fsync each write before it is renamed into place. */
  durable: rules.optional(rules.boolean()),
};

/** One file per entry in a local directory: the config `createCacheService` takes. */
export type FileCacheConfig = BackendConfig<'file', typeof fileCacheSchema>;

/** `FileCacheConfig` with `type` optional, as `createFileCache` and `new FileCache` accept it. */
export type FileCacheOptions = WithOptionalType<FileCacheConfig>;

/** Validates a file cache config; throws CONFIGURATION naming the field at fault. */
export function validateFileCacheConfig(config: unknown): FileCacheOptions {
  return validateConfig('file', config, fileCacheSchema) as FileCacheOptions;
}
