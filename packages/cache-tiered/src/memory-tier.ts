import type { BusListener, Invalidation } from './bus.js';
import { type L1Entry, L1Store } from './l1-store.js';

/** How the memory tier behaves; validated by the tiered cache's options. */
export interface MemoryTierSettings {
  readonly maxItems: number;
  readonly maxSizeBytes: number;
  /** The longest an entry lives in L1, in ms, whatever its L2 TTL. */
  readonly ttlMs: number;
  /** How long L1 may still serve after the bus went down, in ms (0: emptied at once). */
  readonly maxStaleMs: number;
  /** What `getJson` hands out on a hit: a fresh decode (`'copy'`) or one shared frozen object. */
  readonly decoded: 'copy' | 'frozen';
}

/**
 * A read or write in flight for one key. It may fill L1 only if no
 * invalidation of that key (or of everything) happened since it began.
 */
export interface FillTicket {
  readonly key: string;
  readonly version: number;
  readonly epoch: number;
  readonly slot: PendingSlot;
}

interface PendingSlot {
  version: number;
  refs: number;
}

/**
 * The memory tier and its coherence rules, independent of what L2 is: L1
 * itself, the per-key versions that keep a read racing an invalidation from
 * filling L1 with the old value, and the bus state (L1 is used only while
 * invalidations are guaranteed to arrive, or within `maxStaleMs` after they stopped).
 */
export class MemoryTier implements BusListener {
  readonly #l1: L1Store;
  readonly #settings: MemoryTierSettings;
  // Only keys with an operation in flight have a slot; the map stays as small as the concurrency.
  readonly #pending = new Map<string, PendingSlot>();
  // Expiry (performance.now() ms) of keys this process wrote with a finite TTL, oldest first.
  readonly #expiries = new Map<string, number>();
  #epoch = 0;
  #busUp: boolean;
  #staleUntilMs = 0;
  #hits = 0;
  #invalidations = 0;
  #everDown = false;
  /** Told when the bus goes down, and when it is back after having been down (not at the first join). */
  onBusChange: ((up: boolean) => void) | undefined;

  /** `busUp`: false when a bus will call `up()` once its subscription is confirmed. */
  constructor(settings: MemoryTierSettings, busUp: boolean) {
    this.#settings = settings;
    this.#busUp = busUp;
    this.#l1 = new L1Store({ maxItems: settings.maxItems, maxSizeBytes: settings.maxSizeBytes });
  }

  /** The live L1 entry for `key`, or undefined when L1 must not answer; `countHit` false for `exists`. */
  lookup(key: string, countHit = true): L1Entry | undefined {
    if (!this.#busUp) {
      if (this.#staleUntilMs === 0) return undefined;
      if (performance.now() >= this.#staleUntilMs) {
        this.#staleUntilMs = 0;
        this.#l1.clear();
        return undefined;
      }
    }
    const entry = this.#l1.get(key, performance.now());
    if (entry !== undefined && countHit) this.#hits++;
    return entry;
  }

  /** Starts a read of `key` from L2. */
  beginRead(key: string): FillTicket {
    let slot = this.#pending.get(key);
    if (slot === undefined) {
      slot = { version: 0, refs: 0 };
      this.#pending.set(key, slot);
    }
    slot.refs++;
    return { key, version: slot.version, epoch: this.#epoch, slot };
  }

  /**
   * Starts a write of `key`: voids every read or write of it in flight. L1 keeps
   * answering the current value until the write ends: a read concurrent with a
   * write may return either value, and hot keys then do not send every reader
   * to L2 while the write is on its way.
   */
  beginWrite(key: string): FillTicket {
    this.#bump(key);
    return this.beginRead(key);
  }

  /** Ends a read: stores `value` (a private copy) in L1 when `ticket` is still valid and the bus is up. */
  endRead(ticket: FillTicket, value: Uint8Array | undefined, startMs: number): void {
    if (value !== undefined && this.isCurrent(ticket)) {
      this.#l1.set(ticket.key, value, this.#fillDeadline(ticket.key, startMs));
    }
    this.#release(ticket);
  }

  /**
   * Ends a write: replaces the L1 entry with the written value, or drops it
   * (deletes and atomics, whose stored value L1 cannot know, or a write that a
   * later write or an invalidation overtook: L2's final state is then unknown
   * here). Notes the expiry the write gave the key (`ttlMs`, when it set one),
   * and voids reads that began while it ran, whose answer may predate it.
   */
  endWrite(
    ticket: FillTicket,
    value: Uint8Array | undefined,
    startMs: number,
    ttlMs: number | undefined,
  ): void {
    if (ttlMs !== undefined) this.#noteExpiry(ticket.key, startMs + ttlMs);
    if (value !== undefined && this.isCurrent(ticket)) {
      this.#l1.set(ticket.key, value, this.#fillDeadline(ticket.key, startMs));
    } else {
      this.#l1.delete(ticket.key);
    }
    this.#release(ticket);
    this.#bump(ticket.key);
  }

  /** Ends a write that failed: it may still have landed, so the L1 entry goes. */
  abandonWrite(ticket: FillTicket): void {
    this.#release(ticket);
    this.invalidateKey(ticket.key);
  }

  /**
   * When an L1 entry filled at `startMs` dies: after `l1.ttlMs`, or sooner when
   * this process wrote the key with a shorter TTL that has not run out. L2 cannot
   * say how long a value it returns has left; remembering our own writes' expiry
   * keeps L1 from outliving them even after an invalidation (the tracking bus
   * echoes our own writes) dropped the entry that carried it.
   */
  #fillDeadline(key: string, startMs: number): number {
    const deadlineMs = startMs + this.#settings.ttlMs;
    const expiryMs = this.#expiries.get(key);
    if (expiryMs === undefined) return deadlineMs;
    // Our write has expired, so whatever L2 holds now was written by someone else.
    if (expiryMs <= performance.now()) {
      this.#expiries.delete(key);
      return deadlineMs;
    }
    return Math.min(deadlineMs, expiryMs);
  }

  #noteExpiry(key: string, expiryMs: number): void {
    this.#expiries.delete(key);
    if (expiryMs === Number.POSITIVE_INFINITY) return;
    this.#expiries.set(key, expiryMs);
    if (this.#expiries.size > this.#settings.maxItems) {
      // Forgetting an expiry only ever costs the bound above, never a wrong answer.
      const oldest = this.#expiries.keys().next().value;
      if (oldest !== undefined) this.#expiries.delete(oldest);
    }
  }

  /** Ends an operation that failed: nothing is stored. */
  abandon(ticket: FillTicket): void {
    this.#release(ticket);
  }

  /** Drops `key` from L1 and voids its fills in flight. */
  invalidateKey(key: string): void {
    this.#l1.delete(key);
    this.#bump(key);
  }

  /** Drops every key starting with `prefix` (`''`: everything) and voids their fills in flight. */
  invalidatePrefix(prefix: string): void {
    if (prefix === '') {
      this.invalidateAll();
      return;
    }
    this.#l1.deletePrefix(prefix);
    for (const [key, slot] of this.#pending) {
      if (key.startsWith(prefix)) slot.version++;
    }
  }

  /** Empties L1 and voids every fill in flight. */
  invalidateAll(): void {
    this.#l1.clear();
    this.#epoch++;
  }

  // ---- BusListener ----

  // L1 holds full keys, as the bus carries them: a key or prefix of another namespace matches nothing here.
  invalidate(message: Invalidation): void {
    this.#invalidations++;
    if (message.kind === 'keys') {
      for (const fullKey of message.keys) this.invalidateKey(fullKey);
    } else if (message.kind === 'prefix') {
      this.invalidatePrefix(message.prefix);
    } else {
      this.invalidateAll();
    }
  }

  down(): void {
    if (!this.#busUp) return;
    this.#busUp = false;
    this.#epoch++;
    if (this.#settings.maxStaleMs > 0) {
      this.#staleUntilMs = performance.now() + this.#settings.maxStaleMs;
    } else {
      this.#l1.clear();
    }
    this.#everDown = true;
    this.onBusChange?.(false);
  }

  up(): void {
    // Whatever was invalidated while down never reached us: nothing in L1 can be trusted.
    this.#l1.clear();
    this.#epoch++;
    this.#staleUntilMs = 0;
    const wasDown = !this.#busUp && this.#everDown;
    this.#busUp = true;
    if (wasDown) this.onBusChange?.(true);
  }

  /** What `getJson` hands out on an L1 hit. */
  get decoded(): 'copy' | 'frozen' {
    return this.#settings.decoded;
  }

  /** True while invalidations are guaranteed to arrive. */
  get busUp(): boolean {
    return this.#busUp;
  }

  /** Figures for `stats().backend`. */
  figures(): Record<string, number> {
    return {
      l1Hits: this.#hits,
      l1Items: this.#l1.size,
      l1SizeBytes: this.#l1.sizeBytes,
      l1Evictions: this.#l1.evictions,
      l1Expirations: this.#l1.expirations,
      busInvalidations: this.#invalidations,
      busUp: this.#busUp ? 1 : 0,
    };
  }

  /** L1 hits since creation (counted as hits by the tiered cache's stats). */
  get hits(): number {
    return this.#hits;
  }

  /** Voids the fills of `key` in flight. */
  #bump(key: string): void {
    const slot = this.#pending.get(key);
    if (slot !== undefined) slot.version++;
  }

  /** True while nothing invalidated `ticket`'s key (or everything) since it began, and the bus is up. */
  isCurrent(ticket: FillTicket): boolean {
    return this.#busUp && ticket.epoch === this.#epoch && ticket.slot.version === ticket.version;
  }

  #release(ticket: FillTicket): void {
    const slot = ticket.slot;
    slot.refs--;
    if (slot.refs === 0 && this.#pending.get(ticket.key) === slot) this.#pending.delete(ticket.key);
  }
}
