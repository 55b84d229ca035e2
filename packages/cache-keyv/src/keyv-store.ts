import { EventEmitter } from 'node:events';
import type { CacheService } from '@pywatt/cache-core';
import { decodeKeyvValue, encodeKeyvValue } from './value-encoding.js';

/** Options of {@link toKeyvStore}. */
export interface KeyvStoreOptions {
  /** Close the cache when Keyv disconnects the store. Default false: the cache is yours. */
  closeOnDisconnect?: boolean;
}

/** A value with its TTL, as Keyv's `setMany` passes it. */
export interface KeyvEntry {
  key: string;
  value: unknown;
  ttl?: number;
}

function ttlOptions(ttl: number | undefined): { ttlMs: number } {
  // Keyv means "no expiry" when it gives no TTL (it applies its own default TTL itself).
  return { ttlMs: typeof ttl === 'number' && ttl > 0 ? ttl : Number.POSITIVE_INFINITY };
}

/**
 * A Keyv storage adapter over a PyWatt cache (see {@link toKeyvStore}). It
 * implements Keyv 5's store interface: get/set/delete/clear/has and the batch
 * methods, `disconnect`, and `'error'` events.
 */
export class PyWattKeyvStore extends EventEmitter {
  /** Set by Keyv: the namespace its keys are prefixed with (`ns:key`); `clear()` stays inside it. */
  namespace: string | undefined;
  /** Options, as Keyv's store interface expects them. */
  readonly opts: KeyvStoreOptions & { dialect: 'pywatt' };
  readonly #cache: CacheService;

  constructor(cache: CacheService, options: KeyvStoreOptions = {}) {
    super();
    this.#cache = cache;
    this.opts = { ...options, dialect: 'pywatt' };
  }

  /** The stored value, or undefined. */
  async get(key: string): Promise<unknown> {
    return this.#run(async () => {
      const bytes = await this.#cache.get(key);
      return bytes === undefined ? undefined : decodeKeyvValue(bytes);
    });
  }

  /** Stores a value; `ttl` in milliseconds, none meaning no expiry. */
  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    return this.#run(async () => {
      await this.#cache.set(key, encodeKeyvValue(value), ttlOptions(ttl));
      return true;
    });
  }

  /** Stores several values in as few round trips as their TTLs allow. */
  async setMany(entries: KeyvEntry[]): Promise<void> {
    return this.#run(async () => {
      const byTtl = new Map<number, Array<[string, Uint8Array]>>();
      for (const { key, value, ttl } of entries) {
        const { ttlMs } = ttlOptions(ttl);
        const group = byTtl.get(ttlMs) ?? [];
        group.push([key, encodeKeyvValue(value)]);
        byTtl.set(ttlMs, group);
      }
      await Promise.all([...byTtl].map(([ttlMs, group]) => this.#cache.setMany(group, { ttlMs })));
    });
  }

  /** Removes a key; true if it was there. */
  async delete(key: string): Promise<boolean> {
    return this.#run(() => this.#cache.delete(key));
  }

  /** Removes keys; true if at least one was there. */
  async deleteMany(keys: string[]): Promise<boolean> {
    return this.#run(async () => (await this.#cache.deleteMany(keys)) > 0);
  }

  /** Removes every key of Keyv's namespace (or every key of the cache when Keyv has none). */
  async clear(): Promise<void> {
    return this.#run(() =>
      this.namespace ? this.#cache.clear(this.namespace) : this.#cache.clear(),
    );
  }

  /** True if the key holds a value. */
  async has(key: string): Promise<boolean> {
    return this.#run(() => this.#cache.exists(key));
  }

  /** Whether each key holds a value, in order, in one batch read. */
  async hasMany(keys: string[]): Promise<boolean[]> {
    return this.#run(async () => {
      const found = await this.#cache.getMany(keys);
      return keys.map((key) => found.has(key));
    });
  }

  /** The values of the keys, in order, undefined where missing, in one batch read. */
  async getMany(keys: string[]): Promise<unknown[]> {
    return this.#run(async () => {
      const found = await this.#cache.getMany(keys);
      return keys.map((key) => {
        const bytes = found.get(key);
        return bytes === undefined ? undefined : decodeKeyvValue(bytes);
      });
    });
  }

  /** Closes the cache if `closeOnDisconnect` was set. */
  async disconnect(): Promise<void> {
    if (this.opts.closeOnDisconnect) await this.#cache.close();
  }

  async #run<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (this.listenerCount('error') > 0) this.emit('error', error);
      throw error;
    }
  }
}

/**
 * Wraps any PyWatt cache as a Keyv store:
 * `new Keyv({ store: toKeyvStore(cache) })`. Keyv's namespace maps onto a
 * prefix of the cache (`clear()` removes `namespace:*` only). Values come back
 * as the kind they were given: strings, Buffers, or JSON values.
 */
export function toKeyvStore(cache: CacheService, options?: KeyvStoreOptions): PyWattKeyvStore {
  return new PyWattKeyvStore(cache, options);
}
