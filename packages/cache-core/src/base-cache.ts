import { randomBytes } from 'node:crypto';
import {
  checkToken,
  checkValue,
  decodeWith,
  encodeWith,
  resolveLockTtl,
  resolveTtl,
} from './argument-checks.js';
import { type BaseCacheOptions, CacheLifecycle } from './cache-lifecycle.js';
import { jsonCodec, stringCodec } from './codecs.js';
import { entriesToArray, keysToArray } from './entries.js';
import { validateDelta } from './integers.js';
import { LOCK_KEY_SPACE, validateKey, validatePrefix } from './keys.js';
import { cacheChannels, type OperationFamily, traceOperation } from './observability.js';
import type { CacheEntries, CacheService, SetOptions } from './types.js';

const {
  get: GET,
  set: SET,
  delete: DELETE,
  batch: BATCH,
  atomic: ATOMIC,
  lock: LOCK,
  clear: CLEAR,
} = cacheChannels;

/** `fn()`, or undefined when it throws (the untraced body then rejects with the same error). */
function attempt<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

export type { BaseCacheOptions };

/**
 * The shared half of every backend: argument validation, namespacing, TTL
 * normalisation, the closed guard, stats counters, the string/JSON helpers and
 * default batch methods. A backend implements the `_`-prefixed primitives,
 * which receive full (namespaced) keys and normalised TTLs.
 *
 * There are deliberately no defaults for the atomic primitives: each backend
 * must provide a truly atomic `_setIfAbsent`, `_getAndSet`, `_increment`,
 * `_lock`, `_unlock` and `_extendLock`.
 */
export abstract class BaseCache extends CacheLifecycle implements CacheService {
  // ---- primitives every backend implements (full keys, normalised TTLs) ----
  protected abstract _get(fullKey: string): Promise<Uint8Array | undefined>;
  protected abstract _set(fullKey: string, value: Uint8Array, ttlMs: number): Promise<void>;
  protected abstract _delete(fullKey: string): Promise<boolean>;
  protected abstract _exists(fullKey: string): Promise<boolean>;
  protected abstract _setIfAbsent(
    fullKey: string,
    value: Uint8Array,
    ttlMs: number,
  ): Promise<boolean>;
  protected abstract _getAndSet(
    fullKey: string,
    value: Uint8Array,
    ttlMs: number,
  ): Promise<Uint8Array | undefined>;
  /** `key` is the caller's key, for messages; `newKeyTtlMs` applies only when the key was absent. */
  protected abstract _increment(
    fullKey: string,
    delta: number,
    newKeyTtlMs: number,
    key: string,
  ): Promise<number>;
  /** Removes every data key starting with `fullPrefix`, keeping internal keys (see {@link isInternalKey}). */
  protected abstract _clear(fullPrefix: string): Promise<void>;
  protected abstract _lock(lockKey: string, token: string, ttlMs: number): Promise<boolean>;
  protected abstract _unlock(lockKey: string, token: string): Promise<boolean>;
  protected abstract _extendLock(lockKey: string, token: string, ttlMs: number): Promise<boolean>;

  /** Batch primitives: these defaults loop; backends with a native batch override them. */
  /** In the order of `fullKeys`; `undefined` or `null` for a miss. */
  protected async _getMany(
    fullKeys: readonly string[],
  ): Promise<ReadonlyArray<Uint8Array | null | undefined>> {
    return Promise.all(fullKeys.map((k) => this._get(k)));
  }
  protected async _setMany(
    entries: ReadonlyArray<readonly [string, Uint8Array]>,
    ttlMs: number,
  ): Promise<void> {
    await Promise.all(entries.map(([k, v]) => this._set(k, v, ttlMs)));
  }
  protected async _deleteMany(fullKeys: readonly string[]): Promise<number> {
    const removed = await Promise.all(fullKeys.map((k) => this._delete(k)));
    return removed.filter(Boolean).length;
  }

  // ---- the public contract: each method traced on its family's channel when it has subscribers ----

  get(key: string): Promise<Uint8Array | undefined> {
    return GET.hasSubscribers ? this.#trace('get', 'get', [key], this.#get, key) : this.#get(key);
  }

  exists(key: string): Promise<boolean> {
    return GET.hasSubscribers
      ? this.#trace('get', 'exists', [key], this.#exists, key)
      : this.#exists(key);
  }

  set(key: string, value: Uint8Array, options?: SetOptions): Promise<void> {
    return SET.hasSubscribers
      ? this.#trace('set', 'set', [key], this.#set, key, value, options)
      : this.#set(key, value, options);
  }

  delete(key: string): Promise<boolean> {
    return DELETE.hasSubscribers
      ? this.#trace('delete', 'delete', [key], this.#delete, key)
      : this.#delete(key);
  }

  setIfAbsent(key: string, value: Uint8Array, options?: SetOptions): Promise<boolean> {
    return ATOMIC.hasSubscribers
      ? this.#trace('atomic', 'setIfAbsent', [key], this.#setIfAbsent, key, value, options)
      : this.#setIfAbsent(key, value, options);
  }

  getAndSet(key: string, value: Uint8Array, options?: SetOptions): Promise<Uint8Array | undefined> {
    return ATOMIC.hasSubscribers
      ? this.#trace('atomic', 'getAndSet', [key], this.#getAndSet, key, value, options)
      : this.#getAndSet(key, value, options);
  }

  increment(key: string, delta = 1, options?: SetOptions): Promise<number> {
    return ATOMIC.hasSubscribers
      ? this.#trace('atomic', 'increment', [key], this.#increment, key, delta, options)
      : this.#increment(key, delta, options);
  }

  getMany(keys: Iterable<string>): Promise<Map<string, Uint8Array>> {
    if (!BATCH.hasSubscribers) return this.#getMany(keys);
    const list = attempt(() => keysToArray(keys, 'getMany'));
    return this.#trace('batch', 'getMany', list ?? [], this.#getMany, list ?? keys);
  }

  setMany(entries: CacheEntries, options?: SetOptions): Promise<void> {
    if (!BATCH.hasSubscribers) return this.#setMany(entries, options);
    const pairs = attempt(() => entriesToArray(entries));
    const keys = pairs?.map(([key]) => key) ?? [];
    return this.#trace('batch', 'setMany', keys, this.#setMany, pairs ?? entries, options);
  }

  deleteMany(keys: Iterable<string>): Promise<number> {
    if (!BATCH.hasSubscribers) return this.#deleteMany(keys);
    const list = attempt(() => keysToArray(keys, 'deleteMany'));
    return this.#trace('batch', 'deleteMany', list ?? [], this.#deleteMany, list ?? keys);
  }

  clear(prefix?: string): Promise<void> {
    return CLEAR.hasSubscribers
      ? this.#trace('clear', 'clear', [], this.#clear, prefix)
      : this.#clear(prefix);
  }

  lock(key: string, ttlMs: number): Promise<string | undefined> {
    return LOCK.hasSubscribers
      ? this.#trace('lock', 'lock', [key], this.#lock, key, ttlMs)
      : this.#lock(key, ttlMs);
  }

  unlock(key: string, token: string): Promise<boolean> {
    return LOCK.hasSubscribers
      ? this.#trace('lock', 'unlock', [key], this.#unlock, key, token)
      : this.#unlock(key, token);
  }

  extendLock(key: string, token: string, ttlMs: number): Promise<boolean> {
    return LOCK.hasSubscribers
      ? this.#trace('lock', 'extendLock', [key], this.#extendLock, key, token, ttlMs)
      : this.#extendLock(key, token, ttlMs);
  }

  #trace<T, A extends unknown[]>(
    family: OperationFamily,
    operation: string,
    keys: readonly string[],
    fn: (...args: A) => Promise<T>,
    ...args: A
  ): Promise<T> {
    const context = this.traceContext(family, operation, keys.length, keys);
    return traceOperation(context, fn, this, ...args);
  }

  // ---- the untraced bodies ----

  // The four hottest methods chain on the primitive's promise instead of awaiting it in
  // an async function: one promise per call instead of two, measurable at 100k+ ops/s.

  #get(key: string): Promise<Uint8Array | undefined> {
    let pending: Promise<Uint8Array | undefined>;
    try {
      this.checkKey(key, 'get');
      pending = this._get(this.keyPrefix + key);
    } catch (error) {
      return Promise.reject(this.failWith(error, 'get'));
    }
    return pending.then(this.#countRead, this.#failGet);
  }

  #set(key: string, value: Uint8Array, options?: SetOptions): Promise<void> {
    let pending: Promise<void>;
    try {
      this.checkKey(key, 'set');
      checkValue(value, this.maxValueBytes, 'set', this.type);
      const ttlMs = resolveTtl(options, this.defaultTtlMs, 'set', this.type);
      pending = this._set(this.keyPrefix + key, value, ttlMs);
    } catch (error) {
      return Promise.reject(this.failWith(error, 'set'));
    }
    return pending.then(this.#countSet, this.#failSet);
  }

  #delete(key: string): Promise<boolean> {
    let pending: Promise<boolean>;
    try {
      this.checkKey(key, 'delete');
      pending = this._delete(this.keyPrefix + key);
    } catch (error) {
      return Promise.reject(this.failWith(error, 'delete'));
    }
    return pending.then(this.#countDelete, this.#failDelete);
  }

  #exists(key: string): Promise<boolean> {
    let pending: Promise<boolean>;
    try {
      this.checkKey(key, 'exists');
      pending = this._exists(this.keyPrefix + key);
    } catch (error) {
      return Promise.reject(this.failWith(error, 'exists'));
    }
    return pending.then(undefined, this.#failExists);
  }

  // One handler per operation, made once: the hot paths allocate no closure per call.
  readonly #failGet = (error: unknown): never => {
    throw this.failWith(error, 'get');
  };
  readonly #failSet = (error: unknown): never => {
    throw this.failWith(error, 'set');
  };
  readonly #failDelete = (error: unknown): never => {
    throw this.failWith(error, 'delete');
  };
  readonly #failExists = (error: unknown): never => {
    throw this.failWith(error, 'exists');
  };

  readonly #countRead = (value: Uint8Array | undefined): Uint8Array | undefined => {
    if (value === undefined) this.counters.misses++;
    else this.counters.hits++;
    return value;
  };

  readonly #countSet = (): void => {
    this.counters.sets++;
  };

  readonly #countDelete = (removed: boolean): boolean => {
    if (removed) this.counters.deletes++;
    return removed;
  };

  async #setIfAbsent(key: string, value: Uint8Array, options?: SetOptions): Promise<boolean> {
    this.checkKey(key, 'setIfAbsent');
    checkValue(value, this.maxValueBytes, 'setIfAbsent', this.type);
    const ttlMs = resolveTtl(options, this.defaultTtlMs, 'setIfAbsent', this.type);
    try {
      const stored = await this._setIfAbsent(this.keyPrefix + key, value, ttlMs);
      if (stored) this.counters.sets++;
      return stored;
    } catch (error) {
      throw this.failWith(error, 'setIfAbsent');
    }
  }

  async #getAndSet(
    key: string,
    value: Uint8Array,
    options?: SetOptions,
  ): Promise<Uint8Array | undefined> {
    this.checkKey(key, 'getAndSet');
    checkValue(value, this.maxValueBytes, 'getAndSet', this.type);
    const ttlMs = resolveTtl(options, this.defaultTtlMs, 'getAndSet', this.type);
    try {
      const old = await this._getAndSet(this.keyPrefix + key, value, ttlMs);
      this.counters.sets++;
      if (old === undefined) this.counters.misses++;
      else this.counters.hits++;
      return old;
    } catch (error) {
      throw this.failWith(error, 'getAndSet');
    }
  }

  async #increment(key: string, delta = 1, options?: SetOptions): Promise<number> {
    this.checkKey(key, 'increment');
    validateDelta(delta, 'increment', this.type);
    const newKeyTtlMs = resolveTtl(options, this.defaultTtlMs, 'increment', this.type);
    try {
      const result = await this._increment(this.keyPrefix + key, delta, newKeyTtlMs, key);
      this.counters.sets++;
      return result;
    } catch (error) {
      throw this.failWith(error, 'increment');
    }
  }

  async decrement(key: string, delta = 1, options?: SetOptions): Promise<number> {
    validateDelta(delta, 'decrement', this.type);
    return this.increment(key, -delta, options);
  }

  async #getMany(keys: Iterable<string>): Promise<Map<string, Uint8Array>> {
    const list = keysToArray(keys, 'getMany');
    this.guardOpen('getMany');
    const fullKeys: string[] = new Array(list.length);
    for (let i = 0; i < list.length; i++) {
      const key = list[i] as string;
      validateKey(key, 'getMany', this.type);
      fullKeys[i] = this.keyPrefix + key;
    }
    try {
      const values = fullKeys.length === 0 ? [] : await this._getMany(fullKeys);
      const found = new Map<string, Uint8Array>();
      for (let i = 0; i < list.length; i++) {
        const value = values[i];
        if (value != null) found.set(list[i] as string, value);
      }
      this.counters.hits += found.size;
      this.counters.misses += list.length - found.size;
      return found;
    } catch (error) {
      throw this.failWith(error, 'getMany');
    }
  }

  async #setMany(entries: CacheEntries, options?: SetOptions): Promise<void> {
    this.guardOpen('setMany');
    const pairs = entriesToArray(entries).map(([key, value]): readonly [string, Uint8Array] => {
      validateKey(key, 'setMany', this.type);
      checkValue(value, this.maxValueBytes, 'setMany', this.type);
      return [this.keyPrefix + key, value];
    });
    const ttlMs = resolveTtl(options, this.defaultTtlMs, 'setMany', this.type);
    try {
      if (pairs.length > 0) await this._setMany(pairs, ttlMs);
      this.counters.sets += pairs.length;
    } catch (error) {
      throw this.failWith(error, 'setMany');
    }
  }

  async #deleteMany(keys: Iterable<string>): Promise<number> {
    const list = keysToArray(keys, 'deleteMany');
    this.guardOpen('deleteMany');
    const fullKeys = [...new Set(list)].map((key) => {
      validateKey(key, 'deleteMany', this.type);
      return this.keyPrefix + key;
    });
    try {
      const removed = fullKeys.length === 0 ? 0 : await this._deleteMany(fullKeys);
      this.counters.deletes += removed;
      return removed;
    } catch (error) {
      throw this.failWith(error, 'deleteMany');
    }
  }

  async #clear(prefix?: string): Promise<void> {
    this.guardOpen('clear');
    if (prefix !== undefined) validatePrefix(prefix, 'clear', this.type);
    try {
      await this._clear(prefix === undefined ? this.keyPrefix : `${this.keyPrefix}${prefix}:`);
    } catch (error) {
      throw this.failWith(error, 'clear');
    }
  }

  async flush(): Promise<void> {
    return this.clear();
  }

  async #lock(key: string, ttlMs: number): Promise<string | undefined> {
    this.checkKey(key, 'lock');
    const ttl = resolveLockTtl(ttlMs, 'lock', this.type);
    const token = randomBytes(18).toString('base64url');
    try {
      return (await this._lock(this.keyPrefix + LOCK_KEY_SPACE + key, token, ttl))
        ? token
        : undefined;
    } catch (error) {
      throw this.failWith(error, 'lock');
    }
  }

  async #unlock(key: string, token: string): Promise<boolean> {
    this.checkKey(key, 'unlock');
    checkToken(token, 'unlock', this.type);
    try {
      return await this._unlock(this.keyPrefix + LOCK_KEY_SPACE + key, token);
    } catch (error) {
      throw this.failWith(error, 'unlock');
    }
  }

  async #extendLock(key: string, token: string, ttlMs: number): Promise<boolean> {
    this.checkKey(key, 'extendLock');
    checkToken(token, 'extendLock', this.type);
    const ttl = resolveLockTtl(ttlMs, 'extendLock', this.type);
    try {
      return await this._extendLock(this.keyPrefix + LOCK_KEY_SPACE + key, token, ttl);
    } catch (error) {
      throw this.failWith(error, 'extendLock');
    }
  }

  async getString(key: string): Promise<string | undefined> {
    return decodeWith(stringCodec, await this.get(key), 'getString', this.type);
  }

  async setString(key: string, value: string, options?: SetOptions): Promise<void> {
    return this.set(key, encodeWith(stringCodec, value, 'setString', this.type), options);
  }

  async getJson<T = unknown>(key: string): Promise<T | undefined> {
    return decodeWith(jsonCodec, await this.get(key), 'getJson', this.type) as T | undefined;
  }

  async setJson(key: string, value: unknown, options?: SetOptions): Promise<void> {
    return this.set(key, encodeWith(jsonCodec, value, 'setJson', this.type), options);
  }
}
