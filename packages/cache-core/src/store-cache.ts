import { randomBytes } from 'node:crypto';
import {
  checkToken,
  checkValue,
  checkValueBytes,
  decodeWith,
  encodeWith,
  resolveLockTtl,
  resolveTtl,
} from './argument-checks.js';
import { jsonCodec, jsonTextCodec, stringCodec } from './codecs.js';
import { type CacheServiceOptions, resolveServiceOptions } from './config-validation.js';
import { entriesToArray, keysToArray } from './entries.js';
import { CacheError, describeError, isCallerError } from './errors.js';
import { validateDelta } from './integers.js';
import {
  LOCK_KEY_SPACE,
  validateKey,
  validateKeyExceptSurrogates,
  validateKeyShape,
  validatePrefix,
} from './keys.js';
import {
  type CacheEventListener,
  type CacheEventName,
  CacheEvents,
  cacheChannels,
  type OperationFamily,
} from './observability.js';
import { nextCountdown, runOperation, sampling } from './operation-timing.js';
import { buildStats, createCounters } from './stats.js';
import type { CacheStore } from './store.js';
import type { CacheEntries, CacheService, CacheStats, CacheType, SetOptions } from './types.js';

const isPromise = (value: unknown): value is Promise<unknown> => value instanceof Promise;

/** A store with the optional typed-value methods (see `CacheStore.getString`). */
type TextStore = CacheStore & Required<Pick<CacheStore, 'getString' | 'setString'>>;

/** A SERIALIZATION error is the value's fault, not the store's: it is neither mapped nor counted. */
const isSerialization = (error: unknown): error is CacheError =>
  CacheError.is(error, 'SERIALIZATION');
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

/**
 * The `CacheService` over a {@link CacheStore}: argument validation,
 * namespacing, TTL rules, the closed guard, stats counters, error mapping and
 * the string/JSON helpers, in one place for every backend. Made by
 * {@link createCache}; backends' own classes (`InMemoryCache`, `RedisCache`...)
 * extend it only to add a constructor taking their config and a few extras.
 */
export class StoreCache<S extends CacheStore = CacheStore> implements CacheService {
  /** The store this cache runs on. Reach it for backend-specific needs; do not close it yourself. */
  readonly store: S;
  readonly type: CacheType;
  readonly defaultTtlMs: number;
  readonly #prefix: string;
  readonly #maxValueBytes: number;
  readonly #counters = createCounters();
  readonly #events: CacheEvents = new CacheEvents(this);
  readonly #namespace: string | undefined;
  readonly #traceKeys: boolean;
  readonly #options: Readonly<CacheServiceOptions>;
  /** The store holds strings as given: the string/JSON helpers skip UTF-8 encoding and decoding. */
  readonly #holdsText: boolean;
  /** The store compares keys as exact strings: reads check a key's characters only on a miss. */
  readonly #exactKeys: boolean;
  /**
   * The key check of `get`, `set` and the text helpers. When the store's keys are exact it
   * leaves the lone-surrogate check (and, without a namespace, the leading U+0000 check, so
   * that it reads no character of the key) to a read's miss and to the store for a new key.
   */
  readonly #validateExactKey: typeof validateKey;
  #closed = false;
  #closing: Promise<void> | undefined;
  #countdown = 0;
  readonly #shared: boolean;

  /** @throws CacheError CONFIGURATION when an option is unknown, mistyped or impossible. */
  constructor(store: S, options: CacheServiceOptions = {}) {
    const resolved = resolveServiceOptions(store, options);
    this.store = store;
    this.type = store.name;
    this.#prefix = resolved.keyPrefix;
    this.defaultTtlMs = resolved.defaultTtlMs;
    this.#maxValueBytes = resolved.maxValueBytes;
    this.#namespace = resolved.namespace;
    this.#traceKeys = resolved.traceKeys;
    this.#options = Object.freeze({
      namespace: resolved.namespace,
      defaultTtlMs: resolved.defaultTtlMs,
      // No bound is written as none: createCache takes whole numbers only.
      maxValueBytes: Number.isFinite(resolved.maxValueBytes) ? resolved.maxValueBytes : undefined,
      traceKeys: resolved.traceKeys,
    });
    this.#shared = store.capabilities.sharedAcrossProcesses;
    this.#exactKeys = store.capabilities.exactStringKeys === true;
    this.#validateExactKey = !this.#exactKeys
      ? validateKey
      : this.#prefix === ''
        ? validateKeyShape
        : validateKeyExceptSurrogates;
    this.#holdsText =
      typeof store.getString === 'function' && typeof store.setString === 'function';
    const prefix = this.#prefix;
    store.observe?.({
      events: this.#events,
      source: { backend: this.type, namespace: this.#namespace },
      key: (fullKey) => (this.#traceKeys ? fullKey.slice(prefix.length) : undefined),
    });
  }

  /**
   * Subscribes to one event (see `CacheEventMap` and docs/OBSERVABILITY.md).
   * Returns the function that unsubscribes. A cache without listeners builds no event.
   */
  on<E extends CacheEventName>(event: E, listener: CacheEventListener<E>): () => void {
    return this.#events.on(event, listener);
  }

  // ---- the public contract: each method traced on its family's channel when it has subscribers ----

  get(key: string): Promise<Uint8Array | undefined> {
    const sampled = this.#sample();
    return sampled || GET.hasSubscribers
      ? this.#trace(sampled, 'get', 'get', [key], this.#get, key)
      : this.#get(key);
  }

  exists(key: string): Promise<boolean> {
    const sampled = this.#sample();
    return sampled || GET.hasSubscribers
      ? this.#trace(sampled, 'get', 'exists', [key], this.#exists, key)
      : this.#exists(key);
  }

  set(key: string, value: Uint8Array, options?: SetOptions): Promise<void> {
    const sampled = this.#sample();
    return sampled || SET.hasSubscribers
      ? this.#trace(sampled, 'set', 'set', [key], this.#set, key, value, options)
      : this.#set(key, value, options);
  }

  delete(key: string): Promise<boolean> {
    const sampled = this.#sample();
    return sampled || DELETE.hasSubscribers
      ? this.#trace(sampled, 'delete', 'delete', [key], this.#delete, key)
      : this.#delete(key);
  }

  setIfAbsent(key: string, value: Uint8Array, options?: SetOptions): Promise<boolean> {
    const sampled = this.#sample();
    return sampled || ATOMIC.hasSubscribers
      ? this.#trace(sampled, 'atomic', 'setIfAbsent', [key], this.#setIfAbsent, key, value, options)
      : this.#setIfAbsent(key, value, options);
  }

  getAndSet(key: string, value: Uint8Array, options?: SetOptions): Promise<Uint8Array | undefined> {
    const sampled = this.#sample();
    return sampled || ATOMIC.hasSubscribers
      ? this.#trace(sampled, 'atomic', 'getAndSet', [key], this.#getAndSet, key, value, options)
      : this.#getAndSet(key, value, options);
  }

  increment(key: string, delta = 1, options?: SetOptions): Promise<number> {
    const sampled = this.#sample();
    return sampled || ATOMIC.hasSubscribers
      ? this.#trace(sampled, 'atomic', 'increment', [key], this.#increment, key, delta, options)
      : this.#increment(key, delta, options);
  }

  getMany(keys: Iterable<string>): Promise<Map<string, Uint8Array>> {
    const sampled = this.#sample();
    if (!sampled && !BATCH.hasSubscribers) return this.#getMany(keys);
    const list = attempt(() => keysToArray(keys, 'getMany'));
    return this.#trace(sampled, 'batch', 'getMany', list ?? [], this.#getMany, list ?? keys);
  }

  setMany(entries: CacheEntries, options?: SetOptions): Promise<void> {
    const sampled = this.#sample();
    if (!sampled && !BATCH.hasSubscribers) return this.#setMany(entries, options);
    const pairs = attempt(() => entriesToArray(entries));
    const keys = pairs?.map(([key]) => key) ?? [];
    return this.#trace(sampled, 'batch', 'setMany', keys, this.#setMany, pairs ?? entries, options);
  }

  deleteMany(keys: Iterable<string>): Promise<number> {
    const sampled = this.#sample();
    if (!sampled && !BATCH.hasSubscribers) return this.#deleteMany(keys);
    const list = attempt(() => keysToArray(keys, 'deleteMany'));
    return this.#trace(sampled, 'batch', 'deleteMany', list ?? [], this.#deleteMany, list ?? keys);
  }

  clear(prefix?: string): Promise<void> {
    const sampled = this.#sample();
    return sampled || CLEAR.hasSubscribers
      ? this.#trace(sampled, 'clear', 'clear', [], this.#clear, prefix)
      : this.#clear(prefix);
  }

  lock(key: string, ttlMs: number): Promise<string | undefined> {
    const sampled = this.#sample();
    return sampled || LOCK.hasSubscribers
      ? this.#trace(sampled, 'lock', 'lock', [key], this.#lock, key, ttlMs)
      : this.#lock(key, ttlMs);
  }

  unlock(key: string, token: string): Promise<boolean> {
    const sampled = this.#sample();
    return sampled || LOCK.hasSubscribers
      ? this.#trace(sampled, 'lock', 'unlock', [key], this.#unlock, key, token)
      : this.#unlock(key, token);
  }

  extendLock(key: string, token: string, ttlMs: number): Promise<boolean> {
    const sampled = this.#sample();
    return sampled || LOCK.hasSubscribers
      ? this.#trace(sampled, 'lock', 'extendLock', [key], this.#extendLock, key, token, ttlMs)
      : this.#extendLock(key, token, ttlMs);
  }

  /**
   * Whether this call's duration is sampled (see `sampleDurations`). With nobody
   * sampling it is one comparison; else a countdown per cache, so that caches do
   * not take each other's samples.
   */
  #sample(): boolean {
    // Three small steps, so that V8's inlining budget goes to the store's own read: this
    // check on every call; the countdown only inlined once sampling is on; its restart
    // (1 call in N) never.
    return sampling.every !== 0 && this.#countDown();
  }

  #countDown(): boolean {
    return --this.#countdown <= 0 && this.#restartCountdown();
  }

  #restartCountdown(): true {
    this.#countdown = nextCountdown(this.#shared ? sampling.sharedEvery : sampling.every);
    return true;
  }

  #trace<T, A extends unknown[]>(
    sampled: boolean,
    family: OperationFamily,
    operation: string,
    keys: readonly string[],
    fn: (...args: A) => Promise<T>,
    ...args: A
  ): Promise<T> {
    const context = {
      cache: this,
      backend: this.type,
      namespace: this.#namespace,
      operation,
      family,
      keyCount: keys.length,
      keys: this.#traceKeys ? keys : undefined,
    };
    return runOperation(context, sampled, fn, this, args);
  }

  // ---- the untraced bodies ----

  // The four hottest methods call the store without an async frame, and add no promise
  // when the store answers synchronously: one promise per call, measurable at 1M ops/s.

  #get(key: string): Promise<Uint8Array | undefined> {
    let result: Uint8Array | null | undefined | Promise<Uint8Array | null | undefined>;
    try {
      this.#checkExactKey(key, 'get');
      result = this.store.get(this.#prefix + key);
      if (this.#exactKeys && (result == null || isPromise(result)))
        this.#checkMissedKey(key, result);
    } catch (error) {
      return this.#rejected(error, 'get');
    }
    if (isPromise(result)) return result.then(this.#countRead, this.#failGet);
    return Promise.resolve(this.#countRead(result));
  }

  #set(key: string, value: Uint8Array, options?: SetOptions): Promise<void> {
    let result: unknown;
    try {
      this.#checkExactKey(key, 'set');
      checkValue(value, this.#maxValueBytes, 'set', this.type);
      const ttlMs = resolveTtl(options, this.defaultTtlMs, 'set', this.type);
      result = this.store.set(this.#prefix + key, value, ttlMs);
    } catch (error) {
      return this.#rejected(error, 'set');
    }
    if (isPromise(result)) return result.then(this.#countSet, this.#failSet);
    this.#counters.sets++;
    return Promise.resolve();
  }

  #delete(key: string): Promise<boolean> {
    let result: boolean | Promise<boolean>;
    try {
      this.#checkKey(key, 'delete');
      result = this.store.delete(this.#prefix + key);
    } catch (error) {
      return this.#rejected(error, 'delete');
    }
    if (isPromise(result)) return result.then(this.#countDelete, this.#failDelete);
    return Promise.resolve(this.#countDelete(result));
  }

  #exists(key: string): Promise<boolean> {
    let result: boolean | Promise<boolean>;
    try {
      this.#checkKey(key, 'exists');
      result = this.store.exists(this.#prefix + key);
    } catch (error) {
      return this.#rejected(error, 'exists');
    }
    return isPromise(result) ? result.then(undefined, this.#failExists) : Promise.resolve(result);
  }

  // One handler per operation, made once: the hot paths allocate no closure per call.
  readonly #failGet = (error: unknown): never => {
    throw this.#fail(error, 'get');
  };
  readonly #failSet = (error: unknown): never => {
    throw this.#fail(error, 'set');
  };
  readonly #failDelete = (error: unknown): never => {
    throw this.#fail(error, 'delete');
  };
  readonly #failExists = (error: unknown): never => {
    throw this.#fail(error, 'exists');
  };
  readonly #countRead = <T>(value: T | null | undefined): T | undefined => {
    if (value == null) {
      this.#counters.misses++;
      return undefined;
    }
    this.#counters.hits++;
    return value;
  };
  readonly #countSet = (): void => {
    this.#counters.sets++;
  };
  readonly #countDelete = (removed: boolean): boolean => {
    if (removed) this.#counters.deletes++;
    return removed;
  };

  async #setIfAbsent(key: string, value: Uint8Array, options?: SetOptions): Promise<boolean> {
    this.#checkKey(key, 'setIfAbsent');
    checkValue(value, this.#maxValueBytes, 'setIfAbsent', this.type);
    const ttlMs = resolveTtl(options, this.defaultTtlMs, 'setIfAbsent', this.type);
    try {
      const stored = await this.store.setIfAbsent(this.#prefix + key, value, ttlMs);
      if (stored) this.#counters.sets++;
      return stored;
    } catch (error) {
      throw this.#fail(error, 'setIfAbsent');
    }
  }

  async #getAndSet(
    key: string,
    value: Uint8Array,
    options?: SetOptions,
  ): Promise<Uint8Array | undefined> {
    this.#checkKey(key, 'getAndSet');
    checkValue(value, this.#maxValueBytes, 'getAndSet', this.type);
    const ttlMs = resolveTtl(options, this.defaultTtlMs, 'getAndSet', this.type);
    try {
      const old = await this.store.getAndSet(this.#prefix + key, value, ttlMs);
      this.#counters.sets++;
      return this.#countRead(old);
    } catch (error) {
      throw this.#fail(error, 'getAndSet');
    }
  }

  async #increment(key: string, delta = 1, options?: SetOptions): Promise<number> {
    this.#checkKey(key, 'increment');
    validateDelta(delta, 'increment', this.type);
    const newKeyTtlMs = resolveTtl(options, this.defaultTtlMs, 'increment', this.type);
    try {
      const result = await this.store.increment(this.#prefix + key, delta, newKeyTtlMs, key);
      this.#counters.sets++;
      return result;
    } catch (error) {
      throw this.#fail(error, 'increment');
    }
  }

  async decrement(key: string, delta = 1, options?: SetOptions): Promise<number> {
    validateDelta(delta, 'decrement', this.type);
    return this.increment(key, -delta, options);
  }

  async #getMany(keys: Iterable<string>): Promise<Map<string, Uint8Array>> {
    const list = keysToArray(keys, 'getMany');
    this.#guardOpen('getMany');
    const fullKeys: string[] = new Array(list.length);
    for (let i = 0; i < list.length; i++) {
      const key = list[i] as string;
      validateKey(key, 'getMany', this.type);
      fullKeys[i] = this.#prefix + key;
    }
    try {
      const values = fullKeys.length === 0 ? [] : await this.store.getMany(fullKeys);
      const found = new Map<string, Uint8Array>();
      for (let i = 0; i < list.length; i++) {
        const value = values[i];
        if (value != null) found.set(list[i] as string, value);
      }
      this.#counters.hits += found.size;
      this.#counters.misses += list.length - found.size;
      return found;
    } catch (error) {
      throw this.#fail(error, 'getMany');
    }
  }

  async #setMany(entries: CacheEntries, options?: SetOptions): Promise<void> {
    this.#guardOpen('setMany');
    const pairs = entriesToArray(entries).map(([key, value]): readonly [string, Uint8Array] => {
      validateKey(key, 'setMany', this.type);
      checkValue(value, this.#maxValueBytes, 'setMany', this.type);
      return [this.#prefix + key, value];
    });
    const ttlMs = resolveTtl(options, this.defaultTtlMs, 'setMany', this.type);
    try {
      if (pairs.length > 0) await this.store.setMany(pairs, ttlMs);
      this.#counters.sets += pairs.length;
    } catch (error) {
      throw this.#fail(error, 'setMany');
    }
  }

  async #deleteMany(keys: Iterable<string>): Promise<number> {
    const list = keysToArray(keys, 'deleteMany');
    this.#guardOpen('deleteMany');
    const fullKeys = [...new Set(list)].map((key) => {
      validateKey(key, 'deleteMany', this.type);
      return this.#prefix + key;
    });
    try {
      const removed = fullKeys.length === 0 ? 0 : await this.store.deleteMany(fullKeys);
      this.#counters.deletes += removed;
      return removed;
    } catch (error) {
      throw this.#fail(error, 'deleteMany');
    }
  }

  async #clear(prefix?: string): Promise<void> {
    this.#guardOpen('clear');
    if (prefix !== undefined) validatePrefix(prefix, 'clear', this.type);
    try {
      await this.store.clear(prefix === undefined ? this.#prefix : `${this.#prefix}${prefix}:`);
    } catch (error) {
      throw this.#fail(error, 'clear');
    }
  }

  async flush(): Promise<void> {
    return this.clear();
  }

  async #lock(key: string, ttlMs: number): Promise<string | undefined> {
    this.#checkKey(key, 'lock');
    const ttl = resolveLockTtl(ttlMs, 'lock', this.type);
    const token = randomBytes(18).toString('base64url');
    try {
      return (await this.store.lock(this.#prefix + LOCK_KEY_SPACE + key, token, ttl))
        ? token
        : undefined;
    } catch (error) {
      throw this.#fail(error, 'lock');
    }
  }

  async #unlock(key: string, token: string): Promise<boolean> {
    this.#checkKey(key, 'unlock');
    checkToken(token, 'unlock', this.type);
    try {
      return await this.store.unlock(this.#prefix + LOCK_KEY_SPACE + key, token);
    } catch (error) {
      throw this.#fail(error, 'unlock');
    }
  }

  async #extendLock(key: string, token: string, ttlMs: number): Promise<boolean> {
    this.#checkKey(key, 'extendLock');
    checkToken(token, 'extendLock', this.type);
    const ttl = resolveLockTtl(ttlMs, 'extendLock', this.type);
    try {
      return await this.store.extendLock(this.#prefix + LOCK_KEY_SPACE + key, token, ttl);
    } catch (error) {
      throw this.#fail(error, 'extendLock');
    }
  }

  async stats(): Promise<CacheStats> {
    this.#guardOpen('stats');
    try {
      return buildStats(this.#counters, await this.store.stats());
    } catch (error) {
      throw this.#fail(error, 'stats');
    }
  }

  async ping(): Promise<void> {
    this.#guardOpen('ping');
    try {
      await this.store.ping();
    } catch (error) {
      throw this.#fail(error, 'ping');
    }
  }

  /** Closes the store (once); every later call rejects with CLOSED. Idempotent. */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= (async () => {
      await this.store.close();
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ---- the string and JSON helpers: over the store's own text when it holds strings, else over bytes ----
  // Traced as the `get`/`set` they stand for, as the bytes path (which calls `get`/`set`) is.

  getString(key: string): Promise<string | undefined> {
    if (!this.#holdsText) return this.#getStringFromBytes(key);
    const sampled = this.#sample();
    return sampled || GET.hasSubscribers
      ? (this.#traceText(sampled, key, false) as Promise<string | undefined>)
      : this.#readString(key);
  }

  setString(key: string, value: string, options?: SetOptions): Promise<void> {
    if (!this.#holdsText || typeof value !== 'string')
      return this.#setStringAsBytes(key, value, options);
    // Lone surrogates become U+FFFD, as UTF-8 encoding makes them on the bytes path.
    const text = value.isWellFormed() ? value : value.toWellFormed();
    const sampled = this.#sample();
    return sampled || SET.hasSubscribers
      ? this.#traceWrite(sampled, key, text, options)
      : this.#writeText(key, text, options);
  }

  getJson<T = unknown>(key: string): Promise<T | undefined> {
    if (!this.#holdsText) return this.#getJsonFromBytes(key) as Promise<T | undefined>;
    const sampled = this.#sample();
    return (
      sampled || GET.hasSubscribers ? this.#traceText(sampled, key, true) : this.#readJson(key)
    ) as Promise<T | undefined>;
  }

  setJson(key: string, value: unknown, options?: SetOptions): Promise<void> {
    if (!this.#holdsText) return this.#setJsonAsBytes(key, value, options);
    let text: string;
    try {
      text = encodeWith(jsonTextCodec, value, 'setJson', this.type);
    } catch (error) {
      return Promise.reject(error);
    }
    const sampled = this.#sample();
    return sampled || SET.hasSubscribers
      ? this.#traceWrite(sampled, key, text, options)
      : this.#writeText(key, text, options);
  }

  async #getStringFromBytes(key: string): Promise<string | undefined> {
    return decodeWith(stringCodec, await this.get(key), 'getString', this.type);
  }

  async #setStringAsBytes(key: string, value: string, options?: SetOptions): Promise<void> {
    return this.set(key, encodeWith(stringCodec, value, 'setString', this.type), options);
  }

  async #getJsonFromBytes(key: string): Promise<unknown> {
    return decodeWith(jsonCodec, await this.get(key), 'getJson', this.type);
  }

  async #setJsonAsBytes(key: string, value: unknown, options?: SetOptions): Promise<void> {
    return this.set(key, encodeWith(jsonCodec, value, 'setJson', this.type), options);
  }

  // The text helpers' traced calls, kept apart so that the untraced ones stay small enough
  // for V8 to inline the whole read, the store's included, into the caller.
  #traceText(sampled: boolean, key: string, json: boolean): Promise<unknown> {
    return json
      ? this.#trace(sampled, 'get', 'get', [key], this.#readJson, key)
      : this.#trace(sampled, 'get', 'get', [key], this.#readString, key);
  }

  #traceWrite(sampled: boolean, key: string, text: string, options?: SetOptions): Promise<void> {
    return this.#trace(sampled, 'set', 'set', [key], this.#writeText, key, text, options);
  }

  /** The entry's text from a store that holds strings. */
  #readString(key: string): Promise<string | undefined> {
    let result: string | null | undefined | Promise<string | null | undefined>;
    try {
      this.#checkExactKey(key, 'get');
      result = (this.store as unknown as TextStore).getString(this.#prefix + key);
      if (this.#exactKeys && (result == null || isPromise(result)))
        this.#checkMissedKey(key, result);
    } catch (error) {
      return Promise.reject(this.#textReadError(error));
    }
    if (isPromise(result)) return result.then(this.#countRead, this.#failTextGet);
    // #countRead by hand: a few bytecodes less, which V8's inlining budget needs here.
    if (result == null) {
      this.#counters.misses++;
      return Promise.resolve(undefined);
    }
    this.#counters.hits++;
    return Promise.resolve(result);
  }

  /** The entry's JSON value from a store that holds strings. */
  #readJson(key: string): Promise<unknown> {
    let result: unknown;
    try {
      this.#checkExactKey(key, 'get');
      const store = this.store as unknown as TextStore;
      if (store.getJson === undefined) return this.#readString(key).then(this.#parseFound);
      result = store.getJson(this.#prefix + key, this.#parseJson);
      if (this.#exactKeys && (result === undefined || isPromise(result)))
        this.#checkMissedKey(key, result);
    } catch (error) {
      return Promise.reject(this.#textReadError(error));
    }
    // JSON `null` is a value: a JSON read misses only on undefined.
    if (isPromise(result)) return result.then(this.#countJson, this.#failTextGet);
    return Promise.resolve(this.#countJson(result));
  }

  /** A text read's failure: SERIALIZATION (bytes that are not UTF-8 or JSON) as thrown, else {@link #fail}. */
  #textReadError(error: unknown): CacheError {
    return isSerialization(error) ? error : this.#fail(error, 'get');
  }

  /** Stores well-formed text in a store that holds strings, with `set`'s checks and counters. */
  #writeText(key: string, text: string, options?: SetOptions): Promise<void> {
    let result: unknown;
    try {
      this.#checkExactKey(key, 'set');
      // At most 3 UTF-8 bytes per UTF-16 unit: most texts skip the count.
      if (text.length * 3 > this.#maxValueBytes) this.#checkTextBytes(text);
      const ttlMs = resolveTtl(options, this.defaultTtlMs, 'set', this.type);
      result = (this.store as unknown as TextStore).setString(this.#prefix + key, text, ttlMs);
    } catch (error) {
      return this.#rejected(error, 'set');
    }
    if (isPromise(result)) return result.then(this.#countSet, this.#failSet);
    this.#counters.sets++;
    return Promise.resolve();
  }

  #checkTextBytes(text: string): void {
    checkValueBytes(Buffer.byteLength(text, 'utf8'), this.#maxValueBytes, 'set', this.type);
  }

  readonly #parseJson = (text: string): unknown =>
    decodeWith(jsonTextCodec, text, 'getJson', this.type);
  readonly #parseFound = (text: unknown): unknown =>
    text === undefined ? undefined : this.#parseJson(text as string);
  readonly #countJson = (value: unknown): unknown => {
    if (value === undefined) this.#counters.misses++;
    else this.#counters.hits++;
    return value;
  };
  readonly #failTextGet = (error: unknown): never => {
    throw this.#textReadError(error);
  };

  /** Prepended to every key this cache gives its store: `'app:'` for namespace `app`, else `''`. */
  get keyPrefix(): string {
    return this.#prefix;
  }

  /**
   * The options this cache runs with, resolved (defaults filled in): what
   * `createCache(wrapper, cache.serviceOptions)` needs to put a store that
   * wraps {@link store} (a tier, a circuit breaker) behind a service that
   * behaves like this one.
   */
  get serviceOptions(): Readonly<CacheServiceOptions> {
    return this.#options;
  }

  /** True once `close()` has been called. */
  protected get closed(): boolean {
    return this.#closed;
  }

  /** Throws CLOSED once `close()` was called; for subclasses' own methods. */
  protected guardOpen(operation: string): void {
    this.#guardOpen(operation);
  }

  /**
   * Turns anything a store threw into a CacheError (through the store's
   * `mapError`) and counts it in `stats().errors` unless the caller caused it.
   * For subclasses' own methods that call the store.
   */
  protected fail(error: unknown, operation: string): CacheError {
    return this.#fail(error, operation);
  }

  #guardOpen(operation: string): void {
    if (this.#closed) throw closedError(this.type, operation);
  }

  #checkKey(key: string, operation: string): void {
    this.#guardOpen(operation);
    validateKey(key, operation, this.type);
  }

  /**
   * {@link #checkKey} for `get`, `set` and the text helpers, which on a store with exact keys
   * leaves the lone-surrogate check to a read's miss ({@link #checkMissedKey}) or to the store.
   */
  #checkExactKey(key: string, operation: string): void {
    this.#guardOpen(operation);
    this.#validateExactKey(key, operation, this.type);
  }

  /**
   * Throws INVALID_KEY for a read's key with a lone surrogate or a leading U+0000, which only a
   * miss (or an answer still to come) can have had on a store with exact keys; drops that answer.
   */
  #checkMissedKey(key: string, result: unknown): void {
    try {
      validateKey(key, 'get', this.type);
    } catch (error) {
      if (isPromise(result)) result.catch(() => {});
      throw error;
    }
  }

  /** {@link #fail} as a rejected promise: one call, so the hot paths' catch stays small. */
  #rejected(error: unknown, operation: string): Promise<never> {
    return Promise.reject(this.#fail(error, operation));
  }

  #fail(error: unknown, operation: string): CacheError {
    const wrapped = CacheError.is(error) ? error : mapStoreError(this.store, error, operation);
    if (!isCallerError(wrapped.code)) this.#counters.errors++;
    return wrapped;
  }
}

// Apart from #guardOpen so that the check stays small enough to inline into every operation.
function closedError(backend: CacheType, operation: string): CacheError {
  return new CacheError(
    'CLOSED',
    `${backend} cache is closed; ${operation}() cannot run after close()`,
    {
      operation,
      backend,
    },
  );
}

/**
 * `error` as a CacheError: itself when it is one, else through the store's
 * `mapError`, else INTERNAL. A `mapError` that throws gives INTERNAL too.
 */
export function mapStoreError(store: CacheStore, error: unknown, operation: string): CacheError {
  if (CacheError.is(error)) return error;
  if (store.mapError !== undefined) {
    try {
      return store.mapError(error, operation);
    } catch {
      // fall through: a broken mapping must not hide the failure
    }
  }
  return new CacheError(
    'INTERNAL',
    `${store.name} cache ${operation} failed unexpectedly: ${describeError(error)}`,
    { operation, backend: store.name, cause: error },
  );
}

/**
 * The `CacheService` users get, over `store`: `createCache(new RedisStore(…), { namespace: 'app' })`.
 * Does no I/O (call `ping()` to check the store answers).
 *
 * @throws CacheError CONFIGURATION when an option is unknown, mistyped or impossible.
 */
export function createCache<S extends CacheStore>(
  store: S,
  options: CacheServiceOptions = {},
): StoreCache<S> {
  return new StoreCache(store, options);
}
