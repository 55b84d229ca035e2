import type { CachePolicy, StatsCounters } from '@pywatt/cache-core';
import { Entry } from './entry.js';
import { createOrder } from './order/create-order.js';
import type { EvictionOrder } from './order/eviction-order.js';

/** Outcome of {@link BoundedStore.write}. A failed write changed nothing. */
export const WriteStatus = { STORED: 0, TOO_LARGE: 1, FULL: 2 } as const;
export type WriteStatus = (typeof WriteStatus)[keyof typeof WriteStatus];

/** Why an entry left the store other than by delete or clear. */
export type RemovalReason = 'evicted' | 'expired';

/** The bounds and policy of a {@link BoundedStore}. */
export interface StoreLimits {
  policy: CachePolicy;
  /** Most entries; Infinity for no bound. */
  maxItems: number;
  /** Most key + value bytes; Infinity for no bound. */
  maxSizeBytes: number;
  /** Keep private copies of written values (see {@link BoundedStore.write}). */
  copyValues: boolean;
}

// V8 keeps typed arrays up to 64 bytes on the JS heap: far cheaper than a backing store.
const ON_HEAP_BYTES = 64;

/**
 * A private copy: always its own unshared memory, never a view into Node's
 * Buffer pool (which would pin 8 KiB per small value and spoil the accounting).
 */
function copyIn(value: Uint8Array): Uint8Array {
  if (value.byteLength <= ON_HEAP_BYTES) return new Uint8Array(value);
  const copy = new Uint8Array(value.byteLength);
  copy.set(value);
  return copy;
}

// Entries that never expire skip the clock read.
const isExpired = (expiresAt: number): boolean =>
  expiresAt !== Number.POSITIVE_INFINITY && expiresAt <= Date.now();

// How many entries a full `none` cache inspects for expired ones before it refuses a new key.
const RECLAIM_BUDGET = 1024;

/**
 * The synchronous heart of the memory cache: a Map of entries, an O(1)
 * eviction order and exact accounting. Nothing here awaits, so every method
 * is atomic with respect to the event loop.
 */
export class BoundedStore {
  readonly #map = new Map<string, Entry>();
  readonly #order: EvictionOrder;
  readonly #limits: StoreLimits;
  readonly #counters: StatsCounters;
  readonly #onRemove: ((key: string, reason: RemovalReason) => void) | undefined;
  #bytes = 0;
  #sweepCursor: Iterator<Entry> | undefined;

  constructor(
    limits: StoreLimits,
    counters: StatsCounters,
    onRemove?: (key: string, reason: RemovalReason) => void,
  ) {
    this.#limits = limits;
    this.#order = createOrder(limits.policy);
    this.#counters = counters;
    this.#onRemove = onRemove;
  }

  /** Entries held (expired ones not yet noticed included). */
  get size(): number {
    return this.#map.size;
  }

  /** Key + value bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The live entry for `key`, counted as a use; an expired one is removed. */
  read(key: string): Entry | undefined {
    const entry = this.#map.get(key);
    if (entry === undefined) return undefined;
    if (isExpired(entry.expiresAt)) {
      this.#remove(entry, 'expired');
      return undefined;
    }
    this.#order.touch(entry);
    return entry;
  }

  /** The live entry for `key` without counting a use; an expired one is removed. */
  peek(key: string): Entry | undefined {
    const entry = this.#map.get(key);
    if (entry === undefined) return undefined;
    if (isExpired(entry.expiresAt)) {
      this.#remove(entry, 'expired');
      return undefined;
    }
    return entry;
  }

  /**
   * Stores `value` under `key`, evicting by policy until it fits. A rewrite
   * counts as a use of the key. With `copyValues` the store keeps a copy
   * (unless `owned`: the caller hands over an array nobody else holds), and a
   * same-length rewrite copies into the array it already has, allocating nothing.
   */
  write(key: string, value: Uint8Array, expiresAt: number, owned = false): WriteStatus {
    const limits = this.#limits;
    let existing = this.#map.get(key);
    if (existing !== undefined && isExpired(existing.expiresAt)) {
      this.#remove(existing, 'expired');
      existing = undefined;
    }
    if (existing !== undefined) {
      const sizeBytes = existing.sizeBytes - existing.value.byteLength + value.byteLength;
      if (sizeBytes > limits.maxSizeBytes) return WriteStatus.TOO_LARGE;
      const grow = sizeBytes - existing.sizeBytes;
      if (this.#bytes + grow > limits.maxSizeBytes && limits.policy === 'none')
        return WriteStatus.FULL;
      this.#order.touch(existing);
      while (this.#bytes + grow > limits.maxSizeBytes) this.#evictOne(existing);
      if (owned || !limits.copyValues) existing.value = value;
      else if (existing.value.byteLength === value.byteLength) existing.value.set(value);
      else existing.value = copyIn(value);
      existing.expiresAt = expiresAt;
      existing.sizeBytes = sizeBytes;
      this.#bytes += grow;
      return WriteStatus.STORED;
    }
    const sizeBytes = Buffer.byteLength(key, 'utf8') + value.byteLength;
    if (sizeBytes > limits.maxSizeBytes) return WriteStatus.TOO_LARGE;
    if (this.#map.size >= limits.maxItems || this.#bytes + sizeBytes > limits.maxSizeBytes) {
      if (limits.policy === 'none') {
        this.sweep(RECLAIM_BUDGET);
        if (this.#map.size >= limits.maxItems || this.#bytes + sizeBytes > limits.maxSizeBytes)
          return WriteStatus.FULL;
      }
      while (this.#map.size >= limits.maxItems || this.#bytes + sizeBytes > limits.maxSizeBytes)
        this.#evictOne(undefined);
    }
    const stored = owned || !limits.copyValues ? value : copyIn(value);
    const entry = new Entry(key, stored, expiresAt, sizeBytes);
    this.#map.set(key, entry);
    this.#order.add(entry);
    this.#bytes += sizeBytes;
    return WriteStatus.STORED;
  }

  /** Removes `key`; true if a live entry was removed. */
  delete(key: string): boolean {
    const entry = this.peek(key);
    if (entry === undefined) return false;
    this.#remove(entry, undefined);
    return true;
  }

  /** Removes every entry whose key starts with `prefix` (all of them for `''`). */
  clear(prefix: string): void {
    if (prefix === '') {
      this.#map.clear();
      this.#order.reset();
      this.#bytes = 0;
      this.#sweepCursor = undefined;
      return;
    }
    for (const entry of this.#map.values()) {
      if (entry.key.startsWith(prefix)) this.#remove(entry, undefined);
    }
  }

  /**
   * Inspects at most `budget` entries, continuing where the last call
   * stopped, and removes the expired ones. Returns how many it removed.
   */
  sweep(budget: number): number {
    const now = Date.now();
    let removed = 0;
    let cursor: Iterator<Entry> | undefined = this.#sweepCursor ?? this.#map.values();
    for (let seen = 0; seen < budget; seen++) {
      const step = cursor.next();
      if (step.done === true) {
        // A pass ended; the next call starts a fresh one (which also sees later insertions).
        cursor = undefined;
        break;
      }
      if (step.value.expiresAt <= now) {
        this.#remove(step.value, 'expired');
        removed++;
      }
    }
    this.#sweepCursor = cursor;
    return removed;
  }

  #evictOne(pinned: Entry | undefined): void {
    const victim = this.#order.victim(pinned);
    // Unreachable while the size checks above hold; fail loudly rather than loop.
    if (victim === undefined) throw new Error('memory cache: no entry left to evict');
    this.#remove(victim, isExpired(victim.expiresAt) ? 'expired' : 'evicted');
  }

  #remove(entry: Entry, reason: RemovalReason | undefined): void {
    this.#map.delete(entry.key);
    this.#order.remove(entry);
    this.#bytes -= entry.sizeBytes;
    if (reason === 'evicted') this.#counters.evictions++;
    else if (reason === 'expired') this.#counters.expirations++;
    if (reason !== undefined) this.#onRemove?.(entry.key, reason);
  }
}
