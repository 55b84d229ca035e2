import { type CacheService, type Codec, jsonCodec } from '@pywatt/cache-core';
import { encodeWith } from '@pywatt/cache-core/store';
import { optionalDurationMs } from './internal/validate.js';

const OPERATION = 'writeThrough';

/** Writes one value to the source of truth. */
export type SourceWriter<T> = (key: string, value: T) => void | Promise<void>;

/** Options of {@link writeThrough}. */
export interface WriteThroughOptions<T> {
  /** Turns values into bytes. Default `jsonCodec`. */
  codec?: Codec<T> | undefined;
  /** TTL of the cached value, in ms (positive, or `Infinity`). Default: the cache's `defaultTtlMs`. */
  ttlMs?: number | undefined;
}

/**
 * Write-through: writes `value` to the source with `store`, then to the cache.
 * The value is stored as plain codec bytes, which `CacheAside` (and
 * `getJson` with the default codec) read as a fresh value.
 *
 * - The value is encoded first: a codec failure rejects with CacheError
 *   `SERIALIZATION` before anything is written.
 * - If `store` rejects, its error propagates and the cache is untouched.
 * - If the cache write fails, the key is deleted so no stale value stays, and
 *   the call resolves (the source has the value; the next read loads it). If
 *   the delete fails too, a stale value may remain: the call rejects with the
 *   cache write's error.
 */
export async function writeThrough<T>(
  cache: CacheService,
  key: string,
  value: T,
  store: SourceWriter<T>,
  options: WriteThroughOptions<T> = {},
): Promise<void> {
  const ttlMs = optionalDurationMs(options.ttlMs, 'ttlMs', OPERATION, true);
  const bytes = encodeWith(options.codec ?? (jsonCodec as Codec<T>), value, OPERATION);
  await store(key, value);
  try {
    await cache.set(key, bytes, ttlMs === undefined ? undefined : { ttlMs });
  } catch (setError) {
    try {
      await cache.delete(key);
    } catch {
      throw setError;
    }
  }
}

/** {@link writeThrough} with its source writer and options bound once. */
export class WriteThrough<T> {
  readonly #cache: CacheService;
  readonly #store: SourceWriter<T>;
  readonly #options: WriteThroughOptions<T>;

  /** Options as in {@link writeThrough}; an invalid `ttlMs` throws CacheError `INVALID_ARGUMENT`. */
  constructor(cache: CacheService, store: SourceWriter<T>, options: WriteThroughOptions<T> = {}) {
    optionalDurationMs(options.ttlMs, 'ttlMs', OPERATION, true);
    this.#cache = cache;
    this.#store = store;
    this.#options = { ...options };
  }

  /** Writes the source, then the cache; errors as in {@link writeThrough}. */
  write(key: string, value: T): Promise<void> {
    return writeThrough(this.#cache, key, value, this.#store, this.#options);
  }
}
