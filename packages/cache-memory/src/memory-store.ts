import {
  type BackendStats,
  CacheError,
  type CacheStore,
  type StoreCapabilities,
  type StoreObserver,
  stringCodec,
} from '@pywatt/cache-core';
import {
  addToStoredInteger,
  createCounters,
  decodeWith,
  deepFreeze,
  encodeStoredInteger,
  validateKey,
} from '@pywatt/cache-core/store';
import { BoundedStore, NO_SLOT, type RemovalReason, WriteStatus } from './bounded-store.js';
import { LockTable } from './lock-table.js';
import {
  type MemoryCacheOptions,
  type ResolvedMemoryConfig,
  resolveMemoryConfig,
  SWEEP_BUDGET,
} from './memory-config.js';
import type { HotKey } from './order/hot-keys.js';
import { bytesOf, bytesOut, copyOut, type StoredValue, utf8 } from './stored-value.js';

const INFINITY = Number.POSITIVE_INFINITY;
const expiryOf = (ttlMs: number): number => (ttlMs === INFINITY ? INFINITY : Date.now() + ttlMs);
const show = (n: number): string => (n === INFINITY ? 'unbounded' : String(n));

/**
 * The in-process store: a Map from key to slot with the entries in parallel
 * arrays, an O(1) eviction order (`lru`, `fifo`, `mru`, `lfu` or `none`;
 * `lfu` with a frequency history when bounded), `maxItems` and `maxSizeBytes`
 * bounds counted exactly (key UTF-8 bytes + value bytes), lazy expiry plus an
 * incremental sweep on one `unref()`ed timer, and locks kept apart from the data.
 *
 * Every method is synchronous, so `setIfAbsent`, `getAndSet`, `increment` and
 * the lock methods are atomic, and the service adds no promise of its own on
 * the hot path. Values are copied on the way in and out unless `copyValues: false`.
 *
 * The constructor validates the config (CONFIGURATION naming the field) and
 * does no I/O. Use it through {@link createMemoryCache}, or
 * `createCache(new MemoryStore(config), options)` to compose it.
 */
export class MemoryStore implements CacheStore {
  readonly name = 'memory';
  readonly capabilities: StoreCapabilities = {
    ttlResolutionMs: 1,
    maxKeyBytes: Number.POSITIVE_INFINITY,
    maxValueBytes: Number.POSITIVE_INFINITY,
    sharedAcrossProcesses: false,
    sharedAcrossMachines: false,
    constantTimeClear: false,
    exactStringKeys: true,
  };
  /** The config with every default applied. */
  readonly config: ResolvedMemoryConfig;
  readonly #counters = createCounters();
  readonly #store: BoundedStore;
  readonly #locks = new LockTable();
  readonly #copy: boolean;
  readonly #frozen: boolean;
  #sweepTimer: NodeJS.Timeout | undefined;
  #observer: StoreObserver | undefined;

  /** @throws CacheError CONFIGURATION when a field is unknown, mistyped or impossible. */
  constructor(config: MemoryCacheOptions = {}) {
    const resolved = resolveMemoryConfig(config);
    this.config = resolved;
    this.#copy = resolved.copyValues;
    this.#frozen = resolved.decoded === 'frozen';
    this.#store = new BoundedStore(
      { ...resolved, keepDecoded: this.#frozen },
      this.#counters,
      this.#onRemove,
    );
    if (resolved.sweepIntervalMs !== INFINITY) {
      this.#sweepTimer = setInterval(() => this.#sweep(), resolved.sweepIntervalMs);
      this.#sweepTimer.unref();
    }
  }

  get(fullKey: string): Uint8Array | undefined {
    return this.#readOut(fullKey);
  }

  /**
   * The entry's text: a string entry as it was given (no decoding, no copy),
   * or bytes decoded once, after which the entry holds the text (valid UTF-8
   * converts both ways losslessly, so its size is unchanged).
   *
   * @throws CacheError SERIALIZATION when the stored bytes are not UTF-8.
   */
  getString(fullKey: string): string | undefined {
    const slot = this.#store.read(fullKey);
    return slot === NO_SLOT ? undefined : this.#textAt(slot);
  }

  /** Stores the string itself (strings are immutable: nothing to copy), counted by its UTF-8 length. */
  setString(fullKey: string, value: string, ttlMs: number): void {
    this.#put(fullKey, value, ttlMs);
  }

  /**
   * The entry's JSON value: `parse` of its text, or with `decoded: 'frozen'`
   * the deep-frozen value decoded by the first read since the entry was written.
   */
  getJson(fullKey: string, parse: (text: string) => unknown): unknown {
    const slot = this.#store.read(fullKey);
    if (slot === NO_SLOT) return undefined;
    if (!this.#frozen) return parse(this.#textAt(slot));
    // JSON never decodes to undefined, so undefined means "not decoded yet".
    let value = this.#store.decodedAt(slot);
    if (value === undefined) {
      value = deepFreeze(parse(this.#textAt(slot)));
      this.#store.keepDecoded(slot, value);
    }
    return value;
  }

  /**
   * The hottest full keys by the frequency sketch, hottest first (at most
   * `limit`), or null when the store was made without `hotKeys`.
   */
  hotKeys(limit: number = this.config.hotKeys): HotKey[] | null {
    return this.#store.hotKeys(limit);
  }

  set(fullKey: string, value: Uint8Array, ttlMs: number): void {
    this.#put(fullKey, value, ttlMs);
  }

  delete(fullKey: string): boolean {
    return this.#store.delete(fullKey);
  }

  exists(fullKey: string): boolean {
    return this.#store.peek(fullKey) !== NO_SLOT;
  }

  setIfAbsent(fullKey: string, value: Uint8Array, ttlMs: number): boolean {
    if (this.#store.peek(fullKey) !== NO_SLOT) return false;
    this.#write(fullKey, value, expiryOf(ttlMs), 'setIfAbsent');
    return true;
  }

  getAndSet(fullKey: string, value: Uint8Array, ttlMs: number): Uint8Array | undefined {
    const slot = this.#store.peek(fullKey);
    const stored = slot === NO_SLOT ? undefined : this.#store.valueAt(slot);
    // Copied before the write, which may reuse the stored array in place.
    const old = stored === undefined ? undefined : this.#copy ? bytesOut(stored) : bytesOf(stored);
    this.#write(fullKey, value, expiryOf(ttlMs), 'getAndSet');
    return old;
  }

  increment(fullKey: string, delta: number, newKeyTtlMs: number, key: string): number {
    const slot = this.#store.peek(fullKey);
    const stored = slot === NO_SLOT ? undefined : this.#store.valueAt(slot);
    const next = addToStoredInteger(
      stored === undefined ? undefined : bytesOf(stored),
      delta,
      key,
      this.name,
    );
    const expiresAt = slot === NO_SLOT ? expiryOf(newKeyTtlMs) : this.#store.expiryAt(slot);
    this.#write(fullKey, encodeStoredInteger(next), expiresAt, 'increment', true);
    return next;
  }

  getMany(fullKeys: readonly string[]): Array<Uint8Array | undefined> {
    return fullKeys.map((fullKey) => this.#readOut(fullKey));
  }

  setMany(entries: ReadonlyArray<readonly [string, Uint8Array]>, ttlMs: number): void {
    const expiresAt = expiryOf(ttlMs);
    for (const [fullKey, value] of entries) this.#write(fullKey, value, expiresAt, 'setMany');
  }

  deleteMany(fullKeys: readonly string[]): number {
    let removed = 0;
    for (const fullKey of fullKeys) if (this.#store.delete(fullKey)) removed++;
    return removed;
  }

  clear(fullPrefix: string): void {
    // Locks live in their own table, so clearing data can never free a held lock.
    this.#store.clear(fullPrefix);
  }

  lock(lockKey: string, token: string, ttlMs: number): boolean {
    return this.#locks.acquire(lockKey, token, ttlMs);
  }

  unlock(lockKey: string, token: string): boolean {
    return this.#locks.release(lockKey, token);
  }

  extendLock(lockKey: string, token: string, ttlMs: number): boolean {
    return this.#locks.extend(lockKey, token, ttlMs);
  }

  stats(): BackendStats {
    const c = this.config;
    return {
      itemCount: this.#store.size,
      memoryUsedBytes: this.#store.bytes,
      evictions: this.#counters.evictions,
      expirations: this.#counters.expirations,
      backend: {
        policy: c.policy,
        maxItems: c.maxItems,
        maxSizeBytes: c.maxSizeBytes,
        sweepIntervalMs: c.sweepIntervalMs,
        copyValues: c.copyValues ? 'true' : 'false',
        decoded: c.decoded,
        locks: this.#locks.size,
      },
    };
  }

  ping(): void {}

  close(): void {
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
    // Kept this small so that the whole get inlines into the service's: other forms go apart.
    return typeof value === 'string' || this.#copy ? this.#bytesAt(slot, value) : value;
  }

  /** Bytes for a reader from a slot holding a string, or a copy of its bytes. */
  #bytesAt(slot: number, value: StoredValue): Uint8Array {
    if (typeof value !== 'string') return copyOut(value);
    if (this.#copy) return Buffer.from(value, 'utf8');
    // Without copies the bytes are encoded once and kept (their own array, never a pool view).
    const bytes = utf8.encode(value);
    this.#store.reform(slot, bytes);
    return bytes;
  }

  /** The text of a live slot, decoding bytes once and keeping the text in their place. */
  #textAt(slot: number): string {
    const value = this.#store.valueAt(slot);
    return typeof value === 'string' ? value : this.#decodeAt(slot, value);
  }

  /** Decodes a slot's bytes and keeps the text in their place. */
  #decodeAt(slot: number, bytes: Uint8Array): string {
    const text = decodeWith(stringCodec, bytes, 'getString', this.name) as string;
    this.#store.reform(slot, text);
    return text;
  }

  /** `set` and `setString`: {@link #write} with one level less, so that the whole write inlines. */
  #put(fullKey: string, value: StoredValue, ttlMs: number): void {
    // expiryOf by hand: calling it put #put itself outside V8's inlining budget
    // (`node --trace-turbo-inlining`).
    const status = this.#store.write(
      fullKey,
      value,
      ttlMs === INFINITY ? INFINITY : Date.now() + ttlMs,
    );
    if (status !== WriteStatus.STORED) this.#refuse(status, fullKey, value, 'set');
  }

  #write(
    fullKey: string,
    value: StoredValue,
    expiresAt: number,
    operation: string,
    owned = false,
  ): void {
    const status = this.#store.write(fullKey, value, expiresAt, owned);
    // The refusal goes apart so that a write stays small enough for V8 to inline whole.
    if (status !== WriteStatus.STORED) this.#refuse(status, fullKey, value, operation);
  }

  /** Throws why a write of `value` was refused (nothing was stored or evicted). */
  #refuse(status: WriteStatus, fullKey: string, value: StoredValue, operation: string): never {
    // A new key with a lone surrogate or a leading U+0000: INVALID_KEY, as the service words it.
    if (status === WriteStatus.ILL_FORMED_KEY) validateKey(fullKey, operation, this.name);
    const c = this.config;
    if (status === WriteStatus.TOO_LARGE) {
      throw new CacheError(
        'VALUE_TOO_LARGE',
        `an entry of ${typeof value === 'string' ? Buffer.byteLength(value) : value.byteLength} value bytes plus its key exceeds maxSizeBytes (${c.maxSizeBytes}); nothing was evicted. Raise maxSizeBytes or store a smaller value`,
        { operation, backend: this.name },
      );
    }
    throw new CacheError(
      'CAPACITY_EXCEEDED',
      `memory cache is full (maxItems ${show(c.maxItems)}, maxSizeBytes ${show(c.maxSizeBytes)}) and policy 'none' never evicts; delete keys, raise the bounds or choose an evicting policy such as 'lru'`,
      { operation, backend: this.name },
    );
  }

  /** Reports evictions and expiry sweeps to the service's listeners (see CacheStore.observe). */
  observe(observer: StoreObserver): void {
    this.#observer = observer;
  }

  readonly #onRemove = (fullKey: string, reason: RemovalReason): void => {
    const o = this.#observer;
    if (reason !== 'evicted' || o === undefined || !o.events.wants('eviction')) return;
    o.events.emit('eviction', { ...o.source, key: o.key(fullKey) });
  };

  #sweep(): void {
    const o = this.#observer;
    const startMs = o?.events.wants('expirySweep') ? performance.now() : -1;
    const removed = this.#store.sweep(SWEEP_BUDGET);
    this.#locks.sweep(SWEEP_BUDGET);
    if (o !== undefined && startMs >= 0 && removed > 0) {
      const durationMs = performance.now() - startMs;
      o.events.emit('expirySweep', { ...o.source, removed, durationMs });
    }
  }
}
