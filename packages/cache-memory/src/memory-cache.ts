import {
  addToStoredInteger,
  type BackendStats,
  BaseCache,
  CacheError,
  CacheType,
  cacheChannels,
  checkValue,
  encodeStoredInteger,
  resolveTtl,
  type SetOptions,
  validateKey,
} from '@pywatt/cache-core';
import { BoundedStore, NO_SLOT, type RemovalReason, WriteStatus } from './bounded-store.js';
import { LockTable } from './lock-table.js';
import {
  type MemoryCacheOptions,
  type ResolvedMemoryConfig,
  resolveMemoryConfig,
  SWEEP_BUDGET,
} from './memory-config.js';
import type { HotKey } from './order/hot-keys.js';

const INFINITY = Number.POSITIVE_INFINITY;
const { get: GET, set: SET } = cacheChannels;
const expiryOf = (ttlMs: number): number => (ttlMs === INFINITY ? INFINITY : Date.now() + ttlMs);
/**
 * The copy a reader gets: a Buffer, allocated from Node's pool when small
 * (short-lived, so sharing the pool costs nothing and halves the price of the copy).
 */
function copyOut(value: Uint8Array): Uint8Array {
  const copy = Buffer.allocUnsafe(value.byteLength);
  copy.set(value);
  return copy;
}

const show = (n: number): string => (n === INFINITY ? 'unbounded' : String(n));

/**
 * The in-process cache: a Map from key to slot with the entries in parallel
 * arrays, an O(1) eviction order (`lru`, `fifo`, `mru`, `lfu` or `none`;
 * `lfu` with a frequency history when bounded), `maxItems` and `maxSizeBytes`
 * bounds counted exactly (key UTF-8 bytes + value bytes), lazy expiry plus an
 * incremental sweep on one `unref()`ed timer, and locks kept apart from the data.
 *
 * Every operation runs synchronously inside its promise, so `setIfAbsent`,
 * `getAndSet`, `increment` and the lock methods are atomic. Values are copied
 * on the way in and out unless `copyValues: false`.
 *
 * The constructor validates the config (CONFIGURATION naming the field) and
 * does no I/O; {@link createMemoryCache} is the usual way in.
 */
export class InMemoryCache extends BaseCache {
  readonly type = CacheType.MEMORY;
  readonly #config: ResolvedMemoryConfig;
  readonly #store: BoundedStore;
  readonly #locks = new LockTable();
  readonly #copy: boolean;
  readonly #maxValueBytes: number;
  #sweepTimer: NodeJS.Timeout | undefined;

  /** @throws CacheError CONFIGURATION when a field is unknown, mistyped or impossible. */
  constructor(config: MemoryCacheOptions = {}) {
    const resolved = resolveMemoryConfig(config);
    super(resolved);
    this.#config = resolved;
    this.#copy = resolved.copyValues;
    this.#maxValueBytes = resolved.maxValueBytes;
    this.#store = new BoundedStore(resolved, this.counters, this.#onRemove);
    if (resolved.sweepIntervalMs !== INFINITY) {
      this.#sweepTimer = setInterval(() => this.#sweep(), resolved.sweepIntervalMs);
      this.#sweepTimer.unref();
    }
  }

  // ---- fast paths: same checks, errors and stats as BaseCache, one promise and no await ----
  // The checks run in BaseCache's order through the same core functions, so every rejection
  // is the one the base path would give. (Plain functions returning Promise.resolve(...)
  // measured no faster than these `async` ones.)

  /** The stored bytes (a copy unless `copyValues: false`), or undefined on a miss or after expiry. */
  override async get(key: string): Promise<Uint8Array | undefined> {
    // Traced calls take the base path, which traces them once.
    if (this.closed || GET.hasSubscribers) return super.get(key);
    validateKey(key, 'get', this.type);
    const store = this.#store;
    const slot = store.read(this.keyPrefix + key);
    if (slot === NO_SLOT) {
      this.counters.misses++;
      return undefined;
    }
    this.counters.hits++;
    const value = store.valueAt(slot);
    return this.#copy ? copyOut(value) : value;
  }

  /**
   * Stores a copy of `value` (unless `copyValues: false`), evicting by policy
   * to respect the bounds. Rejects with VALUE_TOO_LARGE when key + value
   * exceed `maxSizeBytes` (nothing is evicted) and CAPACITY_EXCEEDED when the
   * policy is `none` and the cache is full.
   */
  override async set(key: string, value: Uint8Array, options?: SetOptions): Promise<void> {
    if (this.closed || SET.hasSubscribers) return super.set(key, value, options);
    validateKey(key, 'set', this.type);
    checkValue(value, this.#maxValueBytes, 'set', this.type);
    const ttlMs = resolveTtl(options, this.defaultTtlMs, 'set', this.type);
    const status = this.#store.write(this.keyPrefix + key, value, expiryOf(ttlMs));
    // A failed write changed nothing: the base path repeats it and reports the error as usual.
    if (status !== WriteStatus.STORED) return super.set(key, value, options);
    this.counters.sets++;
  }

  /**
   * The hottest keys by the frequency sketch, hottest first: up to `limit`
   * (default: all followed) of the `hotKeys` most used keys, each with its
   * estimated uses in about the last sample (see the README, "Hot keys").
   * Keys are given without the namespace. Opt-in: the cache must be created
   * with `hotKeys` (and policy `lfu` or `tinylfu`).
   *
   * @throws CacheError UNSUPPORTED when the cache was created without `hotKeys`; CLOSED after close().
   */
  hotKeys(limit: number = this.#config.hotKeys): HotKey[] {
    this.guardOpen('hotKeys');
    const hot = this.#store.hotKeys(limit);
    if (hot === null) {
      throw new CacheError(
        'UNSUPPORTED',
        "hot keys are off: create the cache with hotKeys: K and policy 'lfu' or 'tinylfu'",
        { operation: 'hotKeys', backend: this.type },
      );
    }
    const prefix = this.keyPrefix;
    return hot.map(({ key, estimate }) => ({ key: key.slice(prefix.length), estimate }));
  }

  // ---- primitives ----

  protected async _get(fullKey: string): Promise<Uint8Array | undefined> {
    return this.#readOut(fullKey);
  }

  protected async _set(fullKey: string, value: Uint8Array, ttlMs: number): Promise<void> {
    this.#write(fullKey, value, expiryOf(ttlMs), 'set');
  }

  protected async _delete(fullKey: string): Promise<boolean> {
    return this.#store.delete(fullKey);
  }

  protected async _exists(fullKey: string): Promise<boolean> {
    return this.#store.peek(fullKey) !== NO_SLOT;
  }

  protected async _setIfAbsent(fullKey: string, value: Uint8Array, ttlMs: number) {
    if (this.#store.peek(fullKey) !== NO_SLOT) return false;
    this.#write(fullKey, value, expiryOf(ttlMs), 'setIfAbsent');
    return true;
  }

  protected async _getAndSet(fullKey: string, value: Uint8Array, ttlMs: number) {
    const slot = this.#store.peek(fullKey);
    const stored = slot === NO_SLOT ? undefined : this.#store.valueAt(slot);
    // Copied before the write, which may reuse the stored array in place.
    const old = stored !== undefined && this.#copy ? copyOut(stored) : stored;
    this.#write(fullKey, value, expiryOf(ttlMs), 'getAndSet');
    return old;
  }

  protected async _increment(fullKey: string, delta: number, newKeyTtlMs: number, key: string) {
    const slot = this.#store.peek(fullKey);
    const stored = slot === NO_SLOT ? undefined : this.#store.valueAt(slot);
    const next = addToStoredInteger(stored, delta, key, this.type);
    const expiresAt = slot === NO_SLOT ? expiryOf(newKeyTtlMs) : this.#store.expiryAt(slot);
    this.#write(fullKey, encodeStoredInteger(next), expiresAt, 'increment', true);
    return next;
  }

  protected override async _getMany(fullKeys: readonly string[]) {
    return fullKeys.map((fullKey) => this.#readOut(fullKey));
  }

  protected override async _setMany(
    entries: ReadonlyArray<readonly [string, Uint8Array]>,
    ttlMs: number,
  ): Promise<void> {
    const expiresAt = expiryOf(ttlMs);
    for (const [fullKey, value] of entries) this.#write(fullKey, value, expiresAt, 'setMany');
  }

  protected override async _deleteMany(fullKeys: readonly string[]): Promise<number> {
    let removed = 0;
    for (const fullKey of fullKeys) if (this.#store.delete(fullKey)) removed++;
    return removed;
  }

  protected async _clear(fullPrefix: string): Promise<void> {
    // Locks live in their own table, so clearing data can never free a held lock.
    this.#store.clear(fullPrefix);
  }

  protected async _lock(lockKey: string, token: string, ttlMs: number) {
    return this.#locks.acquire(lockKey, token, ttlMs);
  }

  protected async _unlock(lockKey: string, token: string) {
    return this.#locks.release(lockKey, token);
  }

  protected async _extendLock(lockKey: string, token: string, ttlMs: number) {
    return this.#locks.extend(lockKey, token, ttlMs);
  }

  protected async _stats(): Promise<BackendStats> {
    const c = this.#config;
    return {
      itemCount: this.#store.size,
      memoryUsedBytes: this.#store.bytes,
      backend: {
        policy: c.policy,
        maxItems: c.maxItems,
        maxSizeBytes: c.maxSizeBytes,
        sweepIntervalMs: c.sweepIntervalMs,
        copyValues: c.copyValues ? 'true' : 'false',
        locks: this.#locks.size,
      },
    };
  }

  protected async _ping(): Promise<void> {}

  protected async _close(): Promise<void> {
    clearInterval(this.#sweepTimer);
    this.#sweepTimer = undefined;
    this.#store.clear('');
    this.#locks.reset();
  }

  // ---- helpers ----

  /** The value under `fullKey` as a reader gets it (a copy unless `copyValues: false`), counted as a use. */
  #readOut(fullKey: string): Uint8Array | undefined {
    const slot = this.#store.read(fullKey);
    if (slot === NO_SLOT) return undefined;
    const value = this.#store.valueAt(slot);
    return this.#copy ? copyOut(value) : value;
  }

  #write(
    fullKey: string,
    value: Uint8Array,
    expiresAt: number,
    operation: string,
    owned = false,
  ): void {
    const status = this.#store.write(fullKey, value, expiresAt, owned);
    if (status === WriteStatus.STORED) return;
    const c = this.#config;
    if (status === WriteStatus.TOO_LARGE) {
      throw new CacheError(
        'VALUE_TOO_LARGE',
        `an entry of ${value.byteLength} value bytes plus its key exceeds maxSizeBytes (${c.maxSizeBytes}); nothing was evicted. Raise maxSizeBytes or store a smaller value`,
        { operation, backend: this.type },
      );
    }
    throw new CacheError(
      'CAPACITY_EXCEEDED',
      `memory cache is full (maxItems ${show(c.maxItems)}, maxSizeBytes ${show(c.maxSizeBytes)}) and policy 'none' never evicts; delete keys, raise the bounds or choose an evicting policy such as 'lru'`,
      { operation, backend: this.type },
    );
  }

  readonly #onRemove = (fullKey: string, reason: RemovalReason): void => {
    if (reason !== 'evicted' || !this.events.wants('eviction')) return;
    const key = this.traceKey(fullKey.slice(this.keyPrefix.length));
    this.events.emit('eviction', { ...this.eventSource(), key });
  };

  #sweep(): void {
    const observed = this.events.wants('expirySweep');
    const startMs = observed ? performance.now() : 0;
    const removed = this.#store.sweep(SWEEP_BUDGET);
    this.#locks.sweep(SWEEP_BUDGET);
    if (observed && removed > 0) {
      const durationMs = performance.now() - startMs;
      this.events.emit('expirySweep', { ...this.eventSource(), removed, durationMs });
    }
  }
}
