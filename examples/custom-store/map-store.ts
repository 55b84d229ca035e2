// A complete PyWatt backend written outside the repository's packages: one Map.
// Every method runs synchronously, so each is atomic within the process, and the
// service built by createCache adds no promise of its own on the hot path.
import {
  type BackendStats,
  type CacheServiceOptions,
  type CacheStore,
  createCache,
  type StoreCapabilities,
} from '@pywatt/cache-core';
import { addToStoredInteger, encodeStoredInteger } from '@pywatt/cache-core/store';

interface Entry {
  value: Uint8Array;
  /** Epoch ms; Infinity for no expiry. */
  expiresAt: number;
}

const expiry = (ttlMs: number): number => Date.now() + ttlMs; // Infinity stays Infinity

export class MapStore implements CacheStore {
  readonly name = 'custom';
  readonly capabilities: StoreCapabilities = {
    ttlResolutionMs: 1,
    maxKeyBytes: Number.POSITIVE_INFINITY,
    maxValueBytes: Number.POSITIVE_INFINITY,
    sharedAcrossProcesses: false,
    sharedAcrossMachines: false,
    constantTimeClear: false,
  };
  readonly #data = new Map<string, Entry>();
  // Locks in their own map: clear() never touches them.
  readonly #locks = new Map<string, Entry>();

  #live(map: Map<string, Entry>, key: string): Entry | undefined {
    const entry = map.get(key);
    if (entry !== undefined && entry.expiresAt <= Date.now()) {
      map.delete(key);
      return undefined;
    }
    return entry;
  }

  get(fullKey: string) {
    return this.#live(this.#data, fullKey)?.value.slice();
  }
  set(fullKey: string, value: Uint8Array, ttlMs: number) {
    this.#data.set(fullKey, { value: value.slice(), expiresAt: expiry(ttlMs) });
  }
  delete(fullKey: string) {
    return this.#live(this.#data, fullKey) !== undefined && this.#data.delete(fullKey);
  }
  exists(fullKey: string) {
    return this.#live(this.#data, fullKey) !== undefined;
  }
  setIfAbsent(fullKey: string, value: Uint8Array, ttlMs: number) {
    if (this.exists(fullKey)) return false;
    this.set(fullKey, value, ttlMs);
    return true;
  }
  getAndSet(fullKey: string, value: Uint8Array, ttlMs: number) {
    const old = this.#live(this.#data, fullKey)?.value;
    this.set(fullKey, value, ttlMs);
    return old;
  }
  increment(fullKey: string, delta: number, newKeyTtlMs: number, key: string) {
    const entry = this.#live(this.#data, fullKey);
    const next = addToStoredInteger(entry?.value, delta, key, this.name);
    const expiresAt = entry?.expiresAt ?? expiry(newKeyTtlMs);
    this.#data.set(fullKey, { value: encodeStoredInteger(next), expiresAt });
    return next;
  }
  getMany(fullKeys: readonly string[]) {
    return fullKeys.map((k) => this.get(k));
  }
  setMany(entries: ReadonlyArray<readonly [string, Uint8Array]>, ttlMs: number) {
    for (const [k, v] of entries) this.set(k, v, ttlMs);
  }
  deleteMany(fullKeys: readonly string[]) {
    return fullKeys.filter((k) => this.delete(k)).length;
  }
  clear(fullPrefix: string) {
    for (const key of this.#data.keys()) if (key.startsWith(fullPrefix)) this.#data.delete(key);
  }
  lock(lockKey: string, token: string, ttlMs: number) {
    if (this.#live(this.#locks, lockKey) !== undefined) return false;
    this.#locks.set(lockKey, { value: Buffer.from(token), expiresAt: expiry(ttlMs) });
    return true;
  }
  unlock(lockKey: string, token: string) {
    const held = this.#live(this.#locks, lockKey);
    return held !== undefined && Buffer.from(held.value).toString() === token
      ? this.#locks.delete(lockKey)
      : false;
  }
  extendLock(lockKey: string, token: string, ttlMs: number) {
    const held = this.#live(this.#locks, lockKey);
    if (held === undefined || Buffer.from(held.value).toString() !== token) return false;
    held.expiresAt = expiry(ttlMs);
    return true;
  }
  stats(): BackendStats {
    return { itemCount: this.#data.size, backend: { locks: this.#locks.size } };
  }
  ping() {}
  close() {
    this.#data.clear();
    this.#locks.clear();
  }
}

/** The factory cache-all loads for `custom://` URLs and `{ type: 'custom' }` configs. */
export async function createCustomCache(config: { type?: string } & CacheServiceOptions) {
  const { type: _type, ...options } = config;
  return createCache(new MapStore(), options);
}
