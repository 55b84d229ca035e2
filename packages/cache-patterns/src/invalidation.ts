import { CacheError, type CacheService } from '@pywatt/cache-core';
import { encodeStoredInteger } from '@pywatt/cache-core/store';
import { integerAtLeast, optionalDurationMs } from './internal/validate.js';

/**
 * How cached entities (a `type` such as `'user'` and an `id`) are named and
 * invalidated. Store and read an entity under `await keyFor(type, id)`.
 * A `type` is a non-empty string without `:`; an `id` any non-empty string.
 * Invalid ones reject with CacheError `INVALID_ARGUMENT`.
 */
export interface InvalidationStrategy {
  /** The cache key of the entity now. */
  keyFor(type: string, id: string): Promise<string>;
  /** Makes the next read of this entity miss. */
  invalidate(type: string, id: string): Promise<void>;
  /** Makes the next read of every entity of this type miss. */
  invalidateType(type: string): Promise<void>;
}

function check(type: unknown, id?: unknown): void {
  if (typeof type !== 'string' || type.length === 0 || type.includes(':'))
    throw new CacheError(
      'INVALID_ARGUMENT',
      `type must be a non-empty string without ':' (got ${String(type)})`,
      {
        operation: 'invalidation',
      },
    );
  if (id !== undefined && (typeof id !== 'string' || id.length === 0))
    throw new CacheError('INVALID_ARGUMENT', 'id must be a non-empty string', {
      operation: 'invalidation',
    });
}

/**
 * Entries live for `ttlMs` and are named `type:id`. Explicit invalidation
 * deletes the key; `invalidateType` clears the `type:` prefix (a scan of the
 * type's keys on most backends).
 */
export class TtlInvalidationStrategy implements InvalidationStrategy {
  readonly #cache: CacheService;
  /** The TTL to store entries with, in ms: the strategy's main tool. */
  readonly ttlMs: number;

  /** @param options.ttlMs - default: the cache's `defaultTtlMs`. */
  constructor(cache: CacheService, options: { ttlMs?: number | undefined } = {}) {
    this.#cache = cache;
    this.ttlMs =
      optionalDurationMs(options.ttlMs, 'ttlMs', 'TtlInvalidationStrategy', true) ??
      cache.defaultTtlMs;
  }

  async keyFor(type: string, id: string): Promise<string> {
    check(type, id);
    return `${type}:${id}`;
  }

  async invalidate(type: string, id: string): Promise<void> {
    await this.#cache.delete(await this.keyFor(type, id));
  }

  async invalidateType(type: string): Promise<void> {
    check(type);
    await this.#cache.clear(type);
  }
}

/** Options of {@link EventInvalidationStrategy}. */
export interface EventInvalidationOptions {
  /**
   * Versioned keys: each type has a version counter (key `type:#version`,
   * no expiry), keys are `type:v<version>:id`, and `invalidateType` bumps the
   * counter with one atomic `increment`: O(1) whatever the number of entries.
   * Old entries are never read again and go when their TTL ends, so store them
   * with a TTL. Costs one extra read per `keyFor`. Default false (`type:id`,
   * and `invalidateType` clears the prefix).
   */
  versioned?: boolean | undefined;
}

/**
 * Invalidation driven by events from the source (a row changed, a type was
 * migrated): `invalidate` deletes the entity's key, `invalidateType` either
 * clears the type's prefix or, `versioned`, bumps the type's version.
 */
export class EventInvalidationStrategy implements InvalidationStrategy {
  readonly #cache: CacheService;
  readonly #versioned: boolean;

  constructor(cache: CacheService, options: EventInvalidationOptions = {}) {
    this.#cache = cache;
    this.#versioned = options.versioned === true;
  }

  async keyFor(type: string, id: string): Promise<string> {
    check(type, id);
    if (!this.#versioned) return `${type}:${id}`;
    return `${type}:v${await this.version(type)}:${id}`;
  }

  async invalidate(type: string, id: string): Promise<void> {
    await this.#cache.delete(await this.keyFor(type, id));
  }

  async invalidateType(type: string): Promise<void> {
    check(type);
    if (!this.#versioned) {
      await this.#cache.clear(type);
      return;
    }
    await this.#ensureCounter(type);
    await this.#cache.increment(`${type}:#version`);
  }

  /** The current version of `type` (versioned mode). Rejects like the cache. */
  async version(type: string): Promise<number> {
    check(type);
    const stored = await this.#cache.getString(`${type}:#version`);
    if (stored !== undefined) return Number(stored);
    await this.#ensureCounter(type);
    return Number(await this.#cache.getString(`${type}:#version`));
  }

  // The counter is created without expiry (increment alone would give it the default TTL), from a
  // random start: if it is ever lost (clear, eviction), a new one does not reuse old versions.
  async #ensureCounter(type: string): Promise<void> {
    const start = 1 + Math.floor(Math.random() * 2 ** 40);
    await this.#cache.setIfAbsent(`${type}:#version`, encodeStoredInteger(start), {
      ttlMs: Number.POSITIVE_INFINITY,
    });
  }
}

/**
 * For caches without a bound of their own (file, a shared Redis without
 * maxmemory): keys are `type:id`, and this process remembers the `maxItems`
 * most recently used keys it handed out; when one more is used, the least
 * recently used is deleted from the cache. The index is per process.
 */
export class LruInvalidationStrategy implements InvalidationStrategy {
  readonly #cache: CacheService;
  readonly #maxItems: number;
  // Map order is recency order: the first key is the least recently used.
  readonly #recent = new Map<string, string>();

  /** @param options.maxItems - entries kept; default 10 000. */
  constructor(cache: CacheService, options: { maxItems?: number | undefined } = {}) {
    this.#cache = cache;
    this.#maxItems = integerAtLeast(
      options.maxItems,
      1,
      'maxItems',
      'LruInvalidationStrategy',
      10_000,
    );
  }

  /** Keys tracked now. */
  get size(): number {
    return this.#recent.size;
  }

  async keyFor(type: string, id: string): Promise<string> {
    check(type, id);
    const key = `${type}:${id}`;
    this.#recent.delete(key);
    this.#recent.set(key, type);
    if (this.#recent.size > this.#maxItems) {
      const oldest = this.#recent.keys().next().value as string;
      this.#recent.delete(oldest);
      await this.#cache.delete(oldest);
    }
    return key;
  }

  async invalidate(type: string, id: string): Promise<void> {
    check(type, id);
    const key = `${type}:${id}`;
    this.#recent.delete(key);
    await this.#cache.delete(key);
  }

  async invalidateType(type: string): Promise<void> {
    check(type);
    for (const [key, keyType] of this.#recent) if (keyType === type) this.#recent.delete(key);
    await this.#cache.clear(type);
  }
}
