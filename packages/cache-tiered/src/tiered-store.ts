import {
  type BackendStats,
  CacheError,
  type CacheStore,
  type StoreCapabilities,
  type StoreObserver,
} from '@pywatt/cache-core';
import { isCallerError, mapStoreError } from '@pywatt/cache-core/store';
import type { BusMembership, Invalidation } from './bus.js';
import type { L1Entry } from './l1-store.js';
import type { MemoryTier } from './memory-tier.js';
import { copy, SharedReads } from './shared-reads.js';

/** What L1 may keep after a write, in the order of its keys, and the TTL the write gave them. */
interface WriteEffect<T> {
  readonly values?: readonly Uint8Array[];
  readonly ttlMs?: number;
  /** Whether the write gave the keys `ttlMs` (default: it did). */
  readonly setsTtl?: (result: T) => boolean;
}

/**
 * A `CacheStore` made of two: the in-process tier (L1) in front of any other
 * store (L2). Reads try L1, then L2, and fill L1; writes go to L2, then L1,
 * then to the other processes through the bus; the atomic operations and locks
 * run on L2 and drop the key from L1. Every key is a full key, as the bus
 * carries them. Wrapped by `createCache` in {@link createTieredCache}, which
 * owns validation, namespacing, counters, tracing and events.
 */
export class TieredStore implements CacheStore {
  readonly name: string;
  readonly capabilities: StoreCapabilities;
  /** The memory tier (the bus's listener). */
  readonly tier: MemoryTier;
  readonly #l2: CacheStore;
  readonly #closeL2: () => Promise<void>;
  readonly #busKind: string;
  readonly #reads: SharedReads;
  #membership: BusMembership | undefined;
  #observer: StoreObserver | undefined;

  /** `closeL2`: how to release L2 (the service it came in, or the store itself). */
  constructor(l2: CacheStore, tier: MemoryTier, busKind: string, closeL2: () => Promise<void>) {
    this.#l2 = l2;
    this.tier = tier;
    this.#busKind = busKind;
    this.#closeL2 = closeL2;
    this.#reads = new SharedReads(tier);
    this.name = l2.name;
    // Not exact keys even over an L2 that has them: a tier writes and publishes around its L2,
    // so the service checks every key first.
    this.capabilities = { ...l2.capabilities, exactStringKeys: false };
    tier.onBusChange = (up) => this.#busChanged(up);
  }

  /** Where invalidations go once the bus confirmed the subscription. */
  attach(membership: BusMembership): void {
    this.#membership = membership;
  }

  /** The live L1 entry of `fullKey` (a hit is counted), for the frozen `getJson`. */
  lookup(fullKey: string): L1Entry | undefined {
    return this.tier.lookup(fullKey);
  }

  get(fullKey: string): Uint8Array | undefined | Promise<Uint8Array | undefined> {
    const entry = this.tier.lookup(fullKey);
    if (entry !== undefined) return copy(entry.value);
    return this.#reads.read(fullKey, this.#fetch);
  }

  readonly #fetch = async (fullKey: string): Promise<Uint8Array | undefined> =>
    (await this.#l2.get(fullKey)) ?? undefined;

  set(fullKey: string, value: Uint8Array, ttlMs: number): Promise<void> {
    return this.#write([fullKey], () => this.#l2.set(fullKey, value, ttlMs), {
      values: [value],
      ttlMs,
    });
  }

  delete(fullKey: string): Promise<boolean> {
    return this.#write([fullKey], () => this.#l2.delete(fullKey));
  }

  exists(fullKey: string): boolean | Promise<boolean> {
    if (this.tier.lookup(fullKey, false) !== undefined) return true;
    return this.#l2.exists(fullKey);
  }

  setIfAbsent(fullKey: string, value: Uint8Array, ttlMs: number): Promise<boolean> {
    return this.#write([fullKey], () => this.#l2.setIfAbsent(fullKey, value, ttlMs), {
      ttlMs,
      setsTtl: (stored) => stored,
    });
  }

  getAndSet(fullKey: string, value: Uint8Array, ttlMs: number): Promise<Uint8Array | undefined> {
    return this.#write(
      [fullKey],
      async () => (await this.#l2.getAndSet(fullKey, value, ttlMs)) ?? undefined,
      {
        ttlMs,
      },
    );
  }

  increment(fullKey: string, delta: number, newKeyTtlMs: number, key: string): Promise<number> {
    return this.#write([fullKey], () => this.#l2.increment(fullKey, delta, newKeyTtlMs, key));
  }

  async getMany(fullKeys: readonly string[]): Promise<Array<Uint8Array | undefined>> {
    const values: Array<Uint8Array | undefined> = new Array(fullKeys.length);
    const missAt: number[] = [];
    for (let i = 0; i < fullKeys.length; i++) {
      const entry = this.tier.lookup(fullKeys[i] as string);
      if (entry === undefined) missAt.push(i);
      else values[i] = copy(entry.value);
    }
    if (missAt.length === 0) return values;
    const misses = missAt.map((i) => fullKeys[i] as string);
    const startMs = performance.now();
    const tickets = misses.map((key) => this.tier.beginRead(key));
    let fetched: ReadonlyArray<Uint8Array | null | undefined>;
    try {
      fetched = await this.#l2.getMany(misses);
    } catch (error) {
      for (const ticket of tickets) this.tier.abandon(ticket);
      throw error;
    }
    tickets.forEach((ticket, j) => {
      const value = fetched[j] ?? undefined;
      this.tier.endRead(ticket, value === undefined ? undefined : copy(value), startMs);
      values[missAt[j] as number] = value;
    });
    return values;
  }

  setMany(entries: ReadonlyArray<readonly [string, Uint8Array]>, ttlMs: number): Promise<void> {
    return this.#write(
      entries.map(([key]) => key),
      () => this.#l2.setMany(entries, ttlMs),
      { values: entries.map(([, value]) => value), ttlMs },
    );
  }

  deleteMany(fullKeys: readonly string[]): Promise<number> {
    return this.#write(fullKeys, () => this.#l2.deleteMany(fullKeys));
  }

  async clear(fullPrefix: string): Promise<void> {
    this.tier.invalidatePrefix(fullPrefix);
    try {
      await this.#l2.clear(fullPrefix);
    } finally {
      // Reads that began while L2 was clearing may carry values it has since removed.
      this.tier.invalidatePrefix(fullPrefix);
    }
    await this.#publish(
      fullPrefix === '' ? { kind: 'all' } : { kind: 'prefix', prefix: fullPrefix },
    );
  }

  lock(lockKey: string, token: string, ttlMs: number): boolean | Promise<boolean> {
    return this.#l2.lock(lockKey, token, ttlMs);
  }

  unlock(lockKey: string, token: string): boolean | Promise<boolean> {
    return this.#l2.unlock(lockKey, token);
  }

  extendLock(lockKey: string, token: string, ttlMs: number): boolean | Promise<boolean> {
    return this.#l2.extendLock(lockKey, token, ttlMs);
  }

  async stats(): Promise<BackendStats> {
    const l2 = await this.#l2.stats();
    return { ...l2, backend: { ...l2.backend, ...this.tier.figures(), bus: this.#busKind } };
  }

  ping(): void | Promise<void> {
    return this.#l2.ping();
  }

  /** Leaves the bus, empties L1 and closes L2. Called once, by the service's `close()`. */
  async close(): Promise<void> {
    this.tier.invalidateAll();
    try {
      await this.#membership?.leave();
    } finally {
      await this.#closeL2();
    }
  }

  /** L2's events (connection loss...) and the bus's go to the tiered cache's `on()`. */
  observe(observer: StoreObserver): void {
    this.#observer = observer;
    this.#l2.observe?.(observer);
  }

  mapError(error: unknown, operation: string): CacheError {
    return mapStoreError(this.#l2, error, operation);
  }

  #busChanged(up: boolean): void {
    const events = this.#observer?.events;
    const name = up ? 'busReconnected' : 'busDisconnected';
    if (events === undefined || !events.wants(name)) return;
    events.emit(name, { ...(this.#observer as StoreObserver).source, bus: this.#busKind });
  }

  /**
   * Runs a write on L2 between voiding `keys`' fills in flight and telling the
   * other processes. `effect.values`: what L1 may keep (set and setMany only:
   * the atomic operations leave L1 to the next read, so that a racing peer's
   * newer value is never shadowed here). `effect.ttlMs`: the TTL the write gave.
   */
  async #write<T>(
    keys: readonly string[],
    run: () => T | Promise<T>,
    effect: WriteEffect<T> = {},
  ): Promise<T> {
    const startMs = performance.now();
    const tickets = keys.map((key) => this.tier.beginWrite(key));
    let result: T;
    try {
      result = await run();
    } catch (error) {
      for (const ticket of tickets) this.tier.abandonWrite(ticket);
      // A write that timed out may still have landed: the others must drop their copies.
      // A caller's error (NOT_NUMERIC...) changed nothing: nothing to tell.
      if (!CacheError.is(error) || !isCallerError(error.code)) await this.#tell(keys);
      throw error;
    }
    const ttlMs = effect.setsTtl === undefined || effect.setsTtl(result) ? effect.ttlMs : undefined;
    tickets.forEach((ticket, i) => {
      const value = effect.values?.[i];
      this.tier.endWrite(ticket, value === undefined ? undefined : copy(value), startMs, ttlMs);
    });
    await this.#tell(keys);
    return result;
  }

  #tell(keys: readonly string[]): Promise<void> {
    return this.#publish({ kind: 'keys', keys });
  }

  #publish(message: Invalidation): Promise<void> {
    return this.#membership?.publish(message) ?? Promise.resolve();
  }
}
