import {
  type CacheEntries,
  CacheError,
  type CacheEventListener,
  type CacheEventName,
  CacheEvents,
  type CacheService,
  type CacheStats,
  type CacheType,
  jsonCodec,
  type SetOptions,
  stringCodec,
} from '@pywatt/cache-core';
import {
  decodeWith,
  encodeWith,
  entriesToArray,
  isCallerError,
  keysToArray,
} from '@pywatt/cache-core/store';
import type { BusMembership, Invalidation } from './bus.js';
import { decodeFrozen, entryJson } from './frozen-json.js';
import type { MemoryTier } from './memory-tier.js';
import { copy, SharedReads } from './shared-reads.js';

/** What a write did, as far as L1 can know. */
interface WriteEffect<T> {
  readonly values?: readonly Uint8Array[];
  readonly options?: SetOptions | undefined;
  readonly setsTtl?: (result: T) => boolean;
}

/**
 * A `CacheService` with an in-process tier (L1) in front of another one (L2).
 * Reads try L1, then L2, and fill L1; writes go to L2, then L1, then tell the
 * other processes through the bus. The atomic operations and locks run on L2.
 * Made by {@link createTieredCache}.
 */
export class TieredCache implements CacheService {
  readonly type: CacheType;
  readonly defaultTtlMs: number;
  readonly #l2: CacheService;
  readonly #tier: MemoryTier;
  readonly #fullPrefix: string;
  readonly #busKind: string;
  readonly #frozenJson: boolean;
  readonly #reads: SharedReads;
  readonly #events: CacheEvents = new CacheEvents(this);
  #membership: BusMembership | undefined;
  #closing: Promise<void> | undefined;

  /** @internal Use {@link createTieredCache}, which joins the bus before handing the cache out. */
  constructor(l2: CacheService, tier: MemoryTier, fullPrefix: string, busKind: string) {
    this.#l2 = l2;
    this.#tier = tier;
    this.#fullPrefix = fullPrefix;
    this.#busKind = busKind;
    this.#frozenJson = tier.decoded === 'frozen';
    this.#reads = new SharedReads(tier);
    this.type = l2.type;
    this.defaultTtlMs = l2.defaultTtlMs;
  }

  /**
   * Subscribes to one event (see `CacheEventMap`): the tier's own and its L2's (connection
   * events name the L2 backend). Returns the function that unsubscribes from both.
   */
  on<E extends CacheEventName>(event: E, listener: CacheEventListener<E>): () => void {
    const own = this.#events.on(event, listener);
    const l2 = this.#l2.on(event, listener);
    return () => {
      own();
      l2();
    };
  }

  /** @internal */
  attach(membership: BusMembership): void {
    this.#membership = membership;
  }

  get(key: string): Promise<Uint8Array | undefined> {
    if (this.#closing !== undefined) return Promise.reject(this.#closedError('get'));
    const entry = this.#tier.lookup(key);
    if (entry !== undefined) return Promise.resolve(copy(entry.value));
    return this.#readThrough(key);
  }

  #readThrough(key: string): Promise<Uint8Array | undefined> {
    return this.#reads.read(key, this.#fetch);
  }

  readonly #fetch = (key: string): Promise<Uint8Array | undefined> => this.#l2.get(key);

  async set(key: string, value: Uint8Array, options?: SetOptions): Promise<void> {
    await this.#write('set', [key], () => this.#l2.set(key, value, options), {
      values: [value],
      options,
      setsTtl: () => true,
    });
  }

  async delete(key: string): Promise<boolean> {
    return this.#write('delete', [key], () => this.#l2.delete(key));
  }

  async exists(key: string): Promise<boolean> {
    this.#guardOpen('exists');
    if (this.#tier.lookup(key, false) !== undefined) return true;
    return this.#l2.exists(key);
  }

  async setIfAbsent(key: string, value: Uint8Array, options?: SetOptions): Promise<boolean> {
    return this.#write('setIfAbsent', [key], () => this.#l2.setIfAbsent(key, value, options), {
      options,
      setsTtl: (stored) => stored,
    });
  }

  async getAndSet(
    key: string,
    value: Uint8Array,
    options?: SetOptions,
  ): Promise<Uint8Array | undefined> {
    return this.#write('getAndSet', [key], () => this.#l2.getAndSet(key, value, options), {
      options,
      setsTtl: () => true,
    });
  }

  async increment(key: string, delta?: number, options?: SetOptions): Promise<number> {
    return this.#write('increment', [key], () => this.#l2.increment(key, delta, options));
  }

  async decrement(key: string, delta?: number, options?: SetOptions): Promise<number> {
    return this.#write('decrement', [key], () => this.#l2.decrement(key, delta, options));
  }

  async getMany(keys: Iterable<string>): Promise<Map<string, Uint8Array>> {
    this.#guardOpen('getMany');
    const found = new Map<string, Uint8Array>();
    const misses: string[] = [];
    for (const key of keysToArray(keys, 'getMany')) {
      const entry = this.#tier.lookup(key);
      if (entry === undefined) misses.push(key);
      else found.set(key, copy(entry.value));
    }
    if (misses.length === 0) return found;
    const startMs = performance.now();
    const tickets = misses.map((key) => this.#tier.beginRead(key));
    let fetched: Map<string, Uint8Array>;
    try {
      fetched = await this.#l2.getMany(misses);
    } catch (error) {
      for (const ticket of tickets) this.#tier.abandon(ticket);
      throw error;
    }
    for (const ticket of tickets) {
      const value = fetched.get(ticket.key);
      this.#tier.endRead(ticket, value === undefined ? undefined : copy(value), startMs);
      if (value !== undefined) found.set(ticket.key, value);
    }
    return found;
  }

  async setMany(entries: CacheEntries, options?: SetOptions): Promise<void> {
    this.#guardOpen('setMany');
    const pairs = entriesToArray(entries);
    await this.#write(
      'setMany',
      pairs.map(([key]) => key),
      () => this.#l2.setMany(pairs, options),
      { values: pairs.map(([, value]) => value), options, setsTtl: () => true },
    );
  }

  async deleteMany(keys: Iterable<string>): Promise<number> {
    this.#guardOpen('deleteMany');
    const list = keysToArray(keys, 'deleteMany');
    return this.#write('deleteMany', list, () => this.#l2.deleteMany(list));
  }

  async clear(prefix?: string): Promise<void> {
    this.#guardOpen('clear');
    const local = prefix === undefined ? '' : `${prefix}:`;
    this.#tier.invalidatePrefix(local);
    try {
      await this.#l2.clear(prefix);
    } finally {
      // Reads that began while L2 was clearing may carry values it has since removed.
      this.#tier.invalidatePrefix(local);
    }
    const full = this.#fullPrefix + local;
    await this.#publish(full === '' ? { kind: 'all' } : { kind: 'prefix', prefix: full });
  }

  flush(): Promise<void> {
    return this.clear();
  }

  lock(key: string, ttlMs: number): Promise<string | undefined> {
    if (this.#closing !== undefined) return Promise.reject(this.#closedError('lock'));
    return this.#l2.lock(key, ttlMs);
  }

  unlock(key: string, token: string): Promise<boolean> {
    if (this.#closing !== undefined) return Promise.reject(this.#closedError('unlock'));
    return this.#l2.unlock(key, token);
  }

  extendLock(key: string, token: string, ttlMs: number): Promise<boolean> {
    if (this.#closing !== undefined) return Promise.reject(this.#closedError('extendLock'));
    return this.#l2.extendLock(key, token, ttlMs);
  }

  async stats(): Promise<CacheStats> {
    this.#guardOpen('stats');
    const l2 = await this.#l2.stats();
    const hits = l2.hits + this.#tier.hits;
    const reads = hits + l2.misses;
    return {
      ...l2,
      hits,
      hitRate: reads === 0 ? 0 : hits / reads,
      backend: { ...l2.backend, ...this.#tier.figures(), bus: this.#busKind },
    };
  }

  async ping(): Promise<void> {
    this.#guardOpen('ping');
    await this.#l2.ping();
  }

  /** Leaves the bus, empties L1 and closes L2. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#tier.invalidateAll();
      try {
        await this.#membership?.leave();
      } finally {
        await this.#l2.close();
      }
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async getString(key: string): Promise<string | undefined> {
    return decodeWith(stringCodec, await this.get(key), 'getString', this.type);
  }

  async setString(key: string, value: string, options?: SetOptions): Promise<void> {
    return this.set(key, encodeWith(stringCodec, value, 'setString', this.type), options);
  }

  /**
   * JSON convenience over `get`. With `l1: { decoded: 'frozen' }` the value is
   * deep-frozen and an L1 hit hands out the object decoded by the first hit,
   * without parsing again.
   */
  getJson<T = unknown>(key: string): Promise<T | undefined> {
    if (!this.#frozenJson || this.#closing !== undefined) return this.#getJsonCopy<T>(key);
    const entry = this.#tier.lookup(key);
    try {
      if (entry !== undefined) return Promise.resolve(entryJson(entry, this.type) as T);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#readThrough(key).then((bytes) =>
      bytes === undefined ? undefined : (decodeFrozen(bytes, this.type) as T),
    );
  }

  async #getJsonCopy<T>(key: string): Promise<T | undefined> {
    return decodeWith(jsonCodec, await this.get(key), 'getJson', this.type) as T | undefined;
  }

  async setJson(key: string, value: unknown, options?: SetOptions): Promise<void> {
    return this.set(key, encodeWith(jsonCodec, value, 'setJson', this.type), options);
  }

  /**
   * Runs a write on L2 between dropping `keys` from L1 and telling the other
   * processes. `effect.values`: what L1 may keep, in the order of `keys` (set and
   * setMany only: the atomic operations leave L1 to the next read, so that a
   * racing peer's newer value is never shadowed here). `effect.setsTtl`: whether
   * the write gave the keys `effect.options`' TTL.
   */
  async #write<T>(
    operation: string,
    keys: readonly string[],
    run: () => Promise<T>,
    effect: WriteEffect<T> = {},
  ): Promise<T> {
    this.#guardOpen(operation);
    const startMs = performance.now();
    const tickets = keys.map((key) => this.#tier.beginWrite(key));
    let result: T;
    try {
      result = await run();
    } catch (error) {
      for (const ticket of tickets) this.#tier.abandonWrite(ticket);
      // A write that timed out may still have landed: the others must drop their copies.
      // A caller's error (core's one list) never reached L2 with valid input: nothing changed, nothing to tell.
      if (!CacheError.is(error) || !isCallerError(error.code)) await this.#tellKeys(keys);
      throw error;
    }
    const ttlMs = effect.setsTtl?.(result)
      ? (effect.options?.ttlMs ?? this.defaultTtlMs)
      : undefined;
    tickets.forEach((ticket, i) => {
      const value = effect.values?.[i];
      this.#tier.endWrite(ticket, value === undefined ? undefined : copy(value), startMs, ttlMs);
    });
    await this.#tellKeys(keys);
    return result;
  }

  #tellKeys(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return Promise.resolve();
    const prefix = this.#fullPrefix;
    return this.#publish({ kind: 'keys', keys: keys.map((key) => prefix + key) });
  }

  #publish(message: Invalidation): Promise<void> {
    return this.#membership?.publish(message) ?? Promise.resolve();
  }

  #guardOpen(operation: string): void {
    if (this.#closing !== undefined) throw this.#closedError(operation);
  }

  #closedError(operation: string): CacheError {
    return new CacheError(
      'CLOSED',
      `tiered ${this.type} cache is closed; ${operation}() cannot run after close()`,
      { operation, backend: this.type },
    );
  }
}
