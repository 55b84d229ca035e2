import type { CachePolicy, StatsCounters } from '@pywatt/cache-core';
import { createOrder, type EvictionOrder } from './order/eviction-order.js';
import type { FrequencySketch } from './order/frequency-sketch.js';
import type { HotKey } from './order/hot-keys.js';
import { LfuOrder } from './order/lfu-order.js';
import { NO_SLOT } from './order/slot-list.js';
import { TinyLfuOrder } from './order/tinylfu-order.js';
import { copyIn, measured, type StoredValue, sizeOf, UNMEASURED } from './stored-value.js';

export { NO_SLOT, type StoredValue };

/**
 * Outcome of {@link BoundedStore.write}. A failed write changed nothing. ILL_FORMED_KEY: a
 * key the store does not hold has a lone surrogate or starts with U+0000 (the service leaves
 * those checks to the store, see `StoreCapabilities.exactStringKeys`).
 */
export const WriteStatus = { STORED: 0, TOO_LARGE: 1, FULL: 2, ILL_FORMED_KEY: 3 } as const;
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
  /** Overrides the halving period of the `lfu` history and the `tinylfu` sketch (tests only). */
  lfuSampleSize?: number | undefined;
  /** Overrides the `tinylfu` window climber's sample; Infinity fixes the window (tests only). */
  climbSampleSize?: number | undefined;
  /** Follow this many hottest keys (`lfu` and `tinylfu`; 0 or absent: off). */
  hotKeys?: number | undefined;
  /** Keep a decoded value beside each entry once asked ({@link BoundedStore.keepDecoded}). */
  keepDecoded?: boolean | undefined;
}

const INFINITY = Number.POSITIVE_INFINITY;

// How many entries a full `none` cache inspects for expired ones before it refuses a new key.
const RECLAIM_BUDGET = 1024;

// Slots the store starts with (and returns to on a full clear); it doubles as it fills.
const INITIAL_SLOTS = 16;

/**
 * The synchronous heart of the memory cache: a Map from key to slot number,
 * the entries' fields in parallel arrays indexed by slot (key, value, expiry,
 * size), an O(1) eviction order over the slots and exact accounting. Nothing
 * here awaits, so every method is atomic with respect to the event loop.
 *
 * Slots are reused (a free list) and the arrays double when every slot is
 * taken, so they hold at most twice the peak number of entries; a full clear
 * shrinks them back.
 */
export class BoundedStore {
  readonly #map = new Map<string, number>();
  #keys: Array<string | undefined> = [];
  #values: Array<StoredValue | undefined> = [];
  /** Each slot's decoded value (undefined: none yet); null unless `keepDecoded`. */
  #decoded: unknown[] | null;
  #expires: Float64Array;
  /**
   * Live entries with a finite expiry. While none has one (no TTL, as in lru-cache without
   * `ttl`), reads and rewrites skip the expiry array: one cache line less per operation.
   */
  #expiring = 0;
  /** Value bytes of each slot, kept apart so a rewrite need not read the old value. */
  #valueBytes: Float64Array;
  /** UTF-8 bytes of each slot's key (at most 1024 + a namespace of at most 256 + 1). */
  #keyBytes: Uint16Array;
  #free: number[] = [];
  /** Slots handed out so far (the highest in use is below this). */
  #used = 0;
  #capacity: number;
  readonly #order: EvictionOrder;
  readonly #limits: StoreLimits;
  readonly #maxItems: number;
  readonly #maxSizeBytes: number;
  readonly #copyValues: boolean;
  readonly #counters: StatsCounters;
  readonly #onRemove: ((key: string, reason: RemovalReason) => void) | undefined;
  /** Key bytes plus the measured value bytes. */
  #bytes = 0;
  /** Entries whose string value is not measured yet; {@link bytes} measures them. */
  #unmeasured = 0;
  /** Without `maxSizeBytes` no write needs a string's UTF-8 length, so it is measured when asked. */
  readonly #measureLazily: boolean;
  #sweepCursor = 0;

  constructor(
    limits: StoreLimits,
    counters: StatsCounters,
    onRemove?: (key: string, reason: RemovalReason) => void,
  ) {
    this.#limits = limits;
    this.#maxItems = limits.maxItems;
    this.#maxSizeBytes = limits.maxSizeBytes;
    this.#copyValues = limits.copyValues;
    this.#measureLazily = limits.maxSizeBytes === INFINITY;
    this.#decoded = limits.keepDecoded === true ? [] : null;
    this.#capacity = INITIAL_SLOTS;
    this.#expires = new Float64Array(INITIAL_SLOTS);
    this.#valueBytes = new Float64Array(INITIAL_SLOTS);
    this.#keyBytes = new Uint16Array(INITIAL_SLOTS);
    // The frequency history only pays off when something can be evicted (or hot keys are asked for).
    const bounded = limits.maxItems !== INFINITY || limits.maxSizeBytes !== INFINITY;
    this.#order = createOrder(limits.policy, INITIAL_SLOTS, {
      enabled: bounded || (limits.hotKeys ?? 0) > 0,
      hotKeys: limits.hotKeys,
      maxItems: limits.maxItems,
      sampleSize: limits.lfuSampleSize,
      climbSampleSize: limits.climbSampleSize,
    });
    this.#counters = counters;
    this.#onRemove = onRemove;
  }

  /** Entries held (expired ones not yet noticed included). */
  get size(): number {
    return this.#map.size;
  }

  /** Key + value bytes held (measuring, once, the strings written since the last call: O(slots) then). */
  get bytes(): number {
    if (this.#unmeasured > 0) this.#measureAll();
    return this.#bytes;
  }

  /** The `lfu` frequency history; null for other policies and for an unbounded store. */
  get history(): FrequencySketch | null {
    return this.#order instanceof LfuOrder ? this.#order.history : null;
  }

  /** Up to `limit` of the hottest keys by the sketch; null unless `hotKeys` is on (lfu, tinylfu). */
  hotKeys(limit: number): HotKey[] | null {
    const order = this.#order;
    const tracker =
      order instanceof LfuOrder || order instanceof TinyLfuOrder ? order.hotKeys : null;
    return tracker === null ? null : tracker.top(limit);
  }

  /** The eviction order (tests and diagnostics look into the `tinylfu` segments). */
  get order(): EvictionOrder {
    return this.#order;
  }

  /** The slot of the live entry for `key`, counted as a use; NO_SLOT on a miss (an expired entry is removed). */
  read(key: string): number {
    const slot = this.peek(key);
    if (slot !== NO_SLOT) this.#order.touch(slot, key);
    return slot;
  }

  /** The slot of the live entry for `key` without counting a use; NO_SLOT on a miss. */
  peek(key: string): number {
    // Kept small so that a whole read inlines into the caller; the expiry check goes apart.
    const slot = this.#map.get(key);
    if (slot === undefined) return NO_SLOT;
    return this.#expiring === 0 ? slot : this.#unlessExpired(slot);
  }

  /** `slot`, or NO_SLOT after removing it when its entry has expired. */
  #unlessExpired(slot: number): number {
    const expiresAt = this.#expires[slot] as number;
    // Entries that never expire skip the clock read.
    if (expiresAt !== INFINITY && expiresAt <= Date.now()) {
      this.#remove(slot, 'expired');
      return NO_SLOT;
    }
    return slot;
  }

  /** The stored value of a slot {@link read} or {@link peek} returned (the store's own array or string). */
  valueAt(slot: number): StoredValue {
    return this.#values[slot] as StoredValue;
  }

  /**
   * Holds `value` in place of a live slot's value: the same content in another
   * form (the text of valid UTF-8 bytes, or the bytes of a string), so sizes
   * and any decoded value stay as they are.
   */
  reform(slot: number, value: StoredValue): void {
    this.#values[slot] = value;
  }

  /** The decoded value kept for a live slot, undefined when none is. */
  decodedAt(slot: number): unknown {
    return this.#decoded === null ? undefined : this.#decoded[slot];
  }

  /** Keeps `decoded` beside a live slot's value until the entry is rewritten or removed (`keepDecoded` only). */
  keepDecoded(slot: number, decoded: unknown): void {
    if (this.#decoded !== null) this.#decoded[slot] = decoded;
  }

  /** The expiry (epoch ms, Infinity for never) of a slot {@link read} or {@link peek} returned. */
  expiryAt(slot: number): number {
    return this.#expires[slot] as number;
  }

  /**
   * Stores `value` under `key`, evicting by policy until it fits. A rewrite
   * counts as a use of the key. With `copyValues` the store keeps a copy
   * (unless `owned`: the caller hands over an array nobody else holds), and a
   * same-length rewrite copies into the array it already has, allocating nothing.
   */
  write(key: string, value: StoredValue, expiresAt: number, owned = false): WriteStatus {
    const slot = this.#map.get(key);
    if (slot === undefined) return this.#insert(key, value, expiresAt, owned);
    // The hot path, kept small enough for V8 to inline whole into the callers: as in lru-cache
    // without `ttl`, no entry expires, and the new value has the old one's size.
    if (
      this.#expiring === 0 &&
      expiresAt === INFINITY &&
      this.#sizeOf(value) === this.#valueBytes[slot]
    ) {
      this.#order.touch(slot, key);
      this.#replace(slot, value, owned, true);
      return WriteStatus.STORED;
    }
    return this.#rewrite(slot, key, value, expiresAt, owned);
  }

  /** Writes over the live or expired entry in `slot`: the general case of {@link write}. */
  #rewrite(
    slot: number,
    key: string,
    value: StoredValue,
    expiresAt: number,
    owned: boolean,
  ): WriteStatus {
    const expires = this.#expires[slot] as number;
    if (expires !== INFINITY && expires <= Date.now()) {
      this.#remove(slot, 'expired');
      return this.#insert(key, value, expiresAt, owned);
    }
    const size = this.#sizeOf(value);
    if (size !== this.#valueBytes[slot])
      return this.#resize(slot, key, value, size, expires, expiresAt, owned);
    this.#order.touch(slot, key);
    this.#replace(slot, value, owned, true);
    if (expiresAt !== expires) this.#reexpire(slot, expires, expiresAt);
    return WriteStatus.STORED;
  }

  /** Rewrites a live entry (expiring at `expires`) with a value of another size, evicting others if it grows. */
  #resize(
    slot: number,
    key: string,
    value: StoredValue,
    size: number,
    expires: number,
    expiresAt: number,
    owned: boolean,
  ): WriteStatus {
    const heldSize = this.#valueBytes[slot] as number;
    const grow = measured(size) - measured(heldSize);
    if (grow > 0) {
      const status = this.#growInPlace(slot, key, grow);
      if (status !== WriteStatus.STORED) return status;
    } else {
      this.#order.touch(slot, key);
    }
    this.#replace(slot, value, owned, grow === 0);
    if (expiresAt !== expires) this.#reexpire(slot, expires, expiresAt);
    this.#valueBytes[slot] = size;
    this.#bytes += grow;
    this.#unmeasured += (size < 0 ? 1 : 0) - (heldSize < 0 ? 1 : 0);
    return WriteStatus.STORED;
  }

  /**
   * Holds `value` in a live slot in place of its value (a copy unless owned or
   * without copies), copying into the held array when `sameLength`.
   */
  #replace(slot: number, value: StoredValue, owned: boolean, sameLength: boolean): void {
    const held = this.#values[slot] as StoredValue;
    // Strings are immutable: held as given.
    if (owned || !this.#copyValues || typeof value === 'string') this.#values[slot] = value;
    else if (sameLength && typeof held !== 'string' && held.byteLength === value.byteLength)
      held.set(value);
    else this.#values[slot] = copyIn(value);
    if (this.#decoded !== null) this.#decoded[slot] = undefined;
  }

  /** Changes a live slot's expiry from `held` to `expiresAt`. */
  #reexpire(slot: number, held: number, expiresAt: number): void {
    this.#expiring += (expiresAt !== INFINITY ? 1 : 0) - (held !== INFINITY ? 1 : 0);
    this.#expires[slot] = expiresAt;
  }

  /** Removes `key`; true if a live entry was removed. */
  delete(key: string): boolean {
    const slot = this.peek(key);
    if (slot === NO_SLOT) return false;
    this.#remove(slot, undefined);
    return true;
  }

  /** Removes every entry whose key starts with `prefix` (all of them for `''`). */
  clear(prefix: string): void {
    if (prefix === '') {
      this.#map.clear();
      this.#keys = [];
      this.#values = [];
      if (this.#decoded !== null) this.#decoded = [];
      this.#expires = new Float64Array(INITIAL_SLOTS);
      this.#expiring = 0;
      this.#valueBytes = new Float64Array(INITIAL_SLOTS);
      this.#keyBytes = new Uint16Array(INITIAL_SLOTS);
      this.#free = [];
      this.#used = 0;
      this.#capacity = INITIAL_SLOTS;
      this.#order.reset(INITIAL_SLOTS);
      this.#bytes = 0;
      this.#unmeasured = 0;
      this.#sweepCursor = 0;
      return;
    }
    for (const [key, slot] of this.#map) {
      if (key.startsWith(prefix)) this.#remove(slot, undefined);
    }
  }

  /**
   * Inspects at most `budget` slots, continuing where the last call stopped,
   * and removes the expired entries. Returns how many it removed.
   */
  sweep(budget: number): number {
    if (this.#expiring === 0) return 0;
    const now = Date.now();
    let removed = 0;
    let cursor = this.#sweepCursor;
    for (let seen = 0; seen < budget; seen++) {
      if (cursor >= this.#used) {
        // A pass ended; the next call starts a fresh one (which also sees later insertions).
        cursor = 0;
        break;
      }
      if (this.#keys[cursor] !== undefined && (this.#expires[cursor] as number) <= now) {
        this.#remove(cursor, 'expired');
        removed++;
      }
      cursor++;
    }
    this.#sweepCursor = cursor;
    return removed;
  }

  /**
   * A live entry is about to grow by `grow` bytes: counts the use and evicts
   * others until it fits, or says why it cannot (then nothing changed).
   */
  #growInPlace(slot: number, key: string, grow: number): WriteStatus {
    const maxSizeBytes = this.#maxSizeBytes;
    const valueBytes = (this.#valueBytes[slot] as number) + grow;
    if ((this.#keyBytes[slot] as number) + valueBytes > maxSizeBytes) return WriteStatus.TOO_LARGE;
    if (this.#bytes + grow > maxSizeBytes && this.#limits.policy === 'none')
      return WriteStatus.FULL;
    this.#order.touch(slot, key);
    while (this.#bytes + grow > maxSizeBytes) this.#evictOne(slot);
    return WriteStatus.STORED;
  }

  /** Stores a key the store does not hold, evicting by policy until it fits. */
  #insert(key: string, value: StoredValue, expiresAt: number, owned: boolean): WriteStatus {
    // Reading the key flattens it if V8 built it by concatenation: a key made for this call
    // is then held as one flat string, not the parts of a template (up to 88 bytes less per
    // entry for `k${padded}`). Calls that hit read none of its characters (`validateKeyShape`).
    if (key.charCodeAt(0) === 0 || !key.isWellFormed()) return WriteStatus.ILL_FORMED_KEY;
    const maxItems = this.#maxItems;
    const maxSizeBytes = this.#maxSizeBytes;
    const keyBytes = Buffer.byteLength(key, 'utf8');
    const valueBytes = this.#sizeOf(value);
    const sizeBytes = keyBytes + measured(valueBytes);
    if (sizeBytes > maxSizeBytes) return WriteStatus.TOO_LARGE;
    if (this.#map.size >= maxItems || this.#bytes + sizeBytes > maxSizeBytes) {
      if (this.#limits.policy === 'none') {
        this.sweep(RECLAIM_BUDGET);
        if (this.#map.size >= maxItems || this.#bytes + sizeBytes > maxSizeBytes)
          return WriteStatus.FULL;
      }
      while (this.#map.size >= maxItems || this.#bytes + sizeBytes > maxSizeBytes)
        this.#evictOne(NO_SLOT);
    }
    const slot = this.#takeSlot();
    this.#keys[slot] = key;
    this.#values[slot] =
      owned || !this.#copyValues || typeof value === 'string' ? value : copyIn(value);
    this.#expires[slot] = expiresAt;
    if (expiresAt !== INFINITY) this.#expiring++;
    this.#valueBytes[slot] = valueBytes;
    this.#keyBytes[slot] = keyBytes;
    this.#map.set(key, slot);
    this.#order.add(slot, key);
    this.#bytes += sizeBytes;
    if (valueBytes < 0) this.#unmeasured++;
    return WriteStatus.STORED;
  }

  /** A free slot: a reused one, or the next one, doubling the arrays when every slot is taken. */
  #takeSlot(): number {
    const reused = this.#free.pop();
    if (reused !== undefined) return reused;
    const slot = this.#used++;
    if (slot === this.#capacity) {
      const capacity = this.#capacity * 2;
      const expires = new Float64Array(capacity);
      expires.set(this.#expires);
      this.#expires = expires;
      const valueBytes = new Float64Array(capacity);
      valueBytes.set(this.#valueBytes);
      this.#valueBytes = valueBytes;
      const keyBytes = new Uint16Array(capacity);
      keyBytes.set(this.#keyBytes);
      this.#keyBytes = keyBytes;
      this.#order.grow(capacity);
      this.#capacity = capacity;
    }
    // Appended, so the key and value arrays stay packed.
    this.#keys.push(undefined);
    this.#values.push(undefined);
    this.#decoded?.push(undefined);
    return slot;
  }

  #sizeOf(value: StoredValue): number {
    return typeof value === 'string' && this.#measureLazily ? UNMEASURED : sizeOf(value);
  }

  #measureAll(): void {
    for (let slot = 0; slot < this.#used; slot++) {
      if ((this.#valueBytes[slot] as number) >= 0 || this.#keys[slot] === undefined) continue;
      const size = sizeOf(this.#values[slot] as StoredValue);
      this.#valueBytes[slot] = size;
      this.#bytes += size;
    }
    this.#unmeasured = 0;
  }

  #evictOne(pinned: number): void {
    const victim = this.#order.victim(pinned);
    // Unreachable while the size checks above hold; fail loudly rather than loop.
    if (victim === NO_SLOT) throw new Error('memory cache: no entry left to evict');
    const expiresAt = this.#expires[victim] as number;
    this.#remove(victim, expiresAt !== INFINITY && expiresAt <= Date.now() ? 'expired' : 'evicted');
  }

  #remove(slot: number, reason: RemovalReason | undefined): void {
    const key = this.#keys[slot] as string;
    this.#map.delete(key);
    if ((this.#expires[slot] as number) !== INFINITY) this.#expiring--;
    this.#order.remove(slot);
    const valueBytes = this.#valueBytes[slot] as number;
    this.#bytes -= (this.#keyBytes[slot] as number) + measured(valueBytes);
    if (valueBytes < 0) this.#unmeasured--;
    this.#keys[slot] = undefined;
    this.#values[slot] = undefined;
    if (this.#decoded !== null) this.#decoded[slot] = undefined;
    this.#free.push(slot);
    if (reason === 'evicted') this.#counters.evictions++;
    else if (reason === 'expired') this.#counters.expirations++;
    if (reason !== undefined) this.#onRemove?.(key, reason);
  }
}
