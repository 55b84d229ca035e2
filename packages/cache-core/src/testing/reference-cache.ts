import type { CacheServiceOptions } from '../config-validation.js';
import { addToStoredInteger, encodeStoredInteger } from '../integers.js';
import type { BackendStats, CacheStore, StoreCapabilities } from '../store.js';
import { StoreCache } from '../store-cache.js';

interface Entry {
  value: Uint8Array;
  expiresAt: number;
}

const isLock = (key: string, prefix: string): boolean => key.charCodeAt(prefix.length) === 0;

/**
 * An obviously-correct in-process store for tests: one Map, no bounds, every
 * method synchronous, so each is atomic. It proves the conformance suite and
 * shows the smallest complete {@link CacheStore}. Set `failing` to make every
 * data operation throw, as a backend that is down.
 */
export class ReferenceStore implements CacheStore {
  readonly name: string = 'reference';
  readonly capabilities: StoreCapabilities = {
    ttlResolutionMs: 1,
    maxKeyBytes: Number.POSITIVE_INFINITY,
    maxValueBytes: Number.POSITIVE_INFINITY,
    sharedAcrossProcesses: false,
    sharedAcrossMachines: false,
    constantTimeClear: false,
  };
  protected readonly entries = new Map<string, Entry>();
  /** While true, every data operation throws (a backend that is down). */
  failing = false;

  protected live(fullKey: string): Entry | undefined {
    if (this.failing) throw new Error('the reference store is down (failing = true)');
    const entry = this.entries.get(fullKey);
    if (entry !== undefined && entry.expiresAt <= Date.now()) {
      this.entries.delete(fullKey);
      return undefined;
    }
    return entry;
  }

  protected store(fullKey: string, value: Uint8Array, ttlMs: number): void {
    if (this.failing) throw new Error('the reference store is down (failing = true)');
    this.entries.set(fullKey, { value: value.slice(), expiresAt: Date.now() + ttlMs });
  }

  get(fullKey: string) {
    return this.live(fullKey)?.value.slice();
  }
  set(fullKey: string, value: Uint8Array, ttlMs: number) {
    this.store(fullKey, value, ttlMs);
  }
  delete(fullKey: string) {
    return this.live(fullKey) !== undefined && this.entries.delete(fullKey);
  }
  exists(fullKey: string) {
    return this.live(fullKey) !== undefined;
  }
  setIfAbsent(fullKey: string, value: Uint8Array, ttlMs: number) {
    if (this.live(fullKey) !== undefined) return false;
    this.store(fullKey, value, ttlMs);
    return true;
  }
  getAndSet(fullKey: string, value: Uint8Array, ttlMs: number) {
    const old = this.live(fullKey)?.value;
    this.store(fullKey, value, ttlMs);
    return old;
  }
  async increment(
    fullKey: string,
    delta: number,
    newKeyTtlMs: number,
    key: string,
  ): Promise<number> {
    const entry = this.live(fullKey);
    const next = addToStoredInteger(entry?.value, delta, key, this.name);
    this.entries.set(fullKey, {
      value: encodeStoredInteger(next),
      expiresAt: entry?.expiresAt ?? Date.now() + newKeyTtlMs,
    });
    return next;
  }
  getMany(fullKeys: readonly string[]) {
    return fullKeys.map((k) => this.get(k));
  }
  setMany(entries: ReadonlyArray<readonly [string, Uint8Array]>, ttlMs: number) {
    for (const [k, v] of entries) this.store(k, v, ttlMs);
  }
  deleteMany(fullKeys: readonly string[]) {
    return fullKeys.filter((k) => this.delete(k)).length;
  }
  clear(fullPrefix: string) {
    if (this.failing) throw new Error('the reference store is down (failing = true)');
    for (const key of this.entries.keys()) {
      if (key.startsWith(fullPrefix) && !isLock(key, fullPrefix)) this.entries.delete(key);
    }
  }
  async lock(lockKey: string, token: string, ttlMs: number): Promise<boolean> {
    return this.setIfAbsent(lockKey, Buffer.from(token), ttlMs);
  }
  async unlock(lockKey: string, token: string): Promise<boolean> {
    const entry = this.live(lockKey);
    if (entry === undefined || Buffer.from(entry.value).toString() !== token) return false;
    return this.entries.delete(lockKey);
  }
  async extendLock(lockKey: string, token: string, ttlMs: number): Promise<boolean> {
    const entry = this.live(lockKey);
    if (entry === undefined || Buffer.from(entry.value).toString() !== token) return false;
    entry.expiresAt = Date.now() + ttlMs;
    return true;
  }
  stats(): BackendStats {
    return { itemCount: this.entries.size, backend: { implementation: 'reference' } };
  }
  ping(): void {}
  close(): void {}
}

/**
 * A ready `CacheService` over a fresh {@link ReferenceStore}, for tests
 * of code that takes any cache. `failing` reaches through to the store.
 */
export class ReferenceCache extends StoreCache<ReferenceStore> {
  constructor(options: CacheServiceOptions = {}) {
    super(new ReferenceStore(), options);
  }
  /** While true, every data operation rejects (a backend that is down). */
  get failing(): boolean {
    return this.store.failing;
  }
  set failing(value: boolean) {
    this.store.failing = value;
  }
}
