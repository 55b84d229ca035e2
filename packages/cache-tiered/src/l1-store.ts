/** One value held by the memory tier. */
export interface L1Entry {
  /** The bytes as stored in L2 (a private copy: callers never see this array). */
  readonly value: Uint8Array;
  /** `performance.now()` after which the entry is dead. */
  readonly deadlineMs: number;
  /** The decoded JSON, deep-frozen, once a `getJson` decoded it (`decoded: 'frozen'` only). */
  decoded?: unknown;
  /** Read since eviction last passed over it: it gets a second chance. */
  visited: boolean;
}

/** Bounds of the memory tier. */
export interface L1Bounds {
  readonly maxItems: number;
  readonly maxSizeBytes: number;
}

/**
 * The in-process tier: a synchronous, bounded map with a deadline per entry,
 * evicting in CLOCK order (second chance), which approximates LRU: a hit only
 * marks the entry, where moving it to the newest end (a Map delete and set)
 * cost more than the rest of an L1 hit together. Synchronous on purpose: the
 * tiered cache checks its fill guard and stores in the same tick, so no
 * invalidation can slip in between.
 */
export class L1Store {
  readonly #entries = new Map<string, L1Entry>();
  readonly #bounds: L1Bounds;
  #sizeBytes = 0;
  #evictions = 0;
  #expirations = 0;

  constructor(bounds: L1Bounds) {
    this.#bounds = bounds;
  }

  /** The live entry for `key`, marked as used; undefined when absent or expired. */
  get(key: string, nowMs: number): L1Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.deadlineMs <= nowMs) {
      this.#remove(key, entry);
      this.#expirations++;
      return undefined;
    }
    entry.visited = true;
    return entry;
  }

  /** Stores `value` (kept as given: the caller passes a private copy) until `deadlineMs`. */
  set(key: string, value: Uint8Array, deadlineMs: number): void {
    const old = this.#entries.get(key);
    if (old !== undefined) this.#remove(key, old);
    if (value.byteLength > this.#bounds.maxSizeBytes) return;
    this.#entries.set(key, { value, deadlineMs, visited: false });
    this.#sizeBytes += value.byteLength;
    this.#evictToBounds();
  }

  /** Drops `key`; true if it was held. */
  delete(key: string): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#remove(key, entry);
    return true;
  }

  /** Drops every key starting with `prefix`. */
  deletePrefix(prefix: string): void {
    for (const [key, entry] of this.#entries) {
      if (key.startsWith(prefix)) this.#remove(key, entry);
    }
  }

  /** Drops everything. */
  clear(): void {
    this.#entries.clear();
    this.#sizeBytes = 0;
  }

  /** Entries held (expired ones not yet noticed included). */
  get size(): number {
    return this.#entries.size;
  }

  /** Bytes of values held. */
  get sizeBytes(): number {
    return this.#sizeBytes;
  }

  /** Entries dropped to respect the bounds, since creation. */
  get evictions(): number {
    return this.#evictions;
  }

  /** Entries found expired, since creation. */
  get expirations(): number {
    return this.#expirations;
  }

  #remove(key: string, entry: L1Entry): void {
    this.#entries.delete(key);
    this.#sizeBytes -= entry.value.byteLength;
  }

  #evictToBounds(): void {
    const { maxItems, maxSizeBytes } = this.#bounds;
    while (this.#entries.size > maxItems || this.#sizeBytes > maxSizeBytes) {
      const oldest = this.#entries.entries().next().value;
      if (oldest === undefined) return;
      const [key, entry] = oldest;
      if (entry.visited) {
        // Map order is insertion order: re-inserting makes it the newest. Each pass
        // clears a mark, so this ends within one round of the map.
        entry.visited = false;
        this.#entries.delete(key);
        this.#entries.set(key, entry);
        continue;
      }
      this.#remove(key, entry);
      this.#evictions++;
    }
  }
}
