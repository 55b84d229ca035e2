import type { FillTicket, MemoryTier } from './memory-tier.js';

/** A private copy, as a Buffer like the one L2 hands out. */
export const copy = (value: Uint8Array): Buffer => Buffer.from(value);
const copyOrNothing = (value: Uint8Array | undefined) =>
  value === undefined ? undefined : copy(value);

interface InFlight {
  readonly ticket: FillTicket;
  readonly promise: Promise<Uint8Array | undefined>;
}

/**
 * Reads of L1 misses from L2, one per key at a time: a miss that finds a read
 * of the same key in flight shares its answer instead of sending another
 * (after an invalidation of a hot key, a hundred concurrent readers would
 * otherwise each ask L2). A read is shared only while nothing invalidated its
 * key since it began, so a caller never receives an answer older than a write
 * this process made or an invalidation it applied before the call.
 */
export class SharedReads {
  readonly #tier: MemoryTier;
  readonly #inFlight = new Map<string, InFlight>();

  constructor(tier: MemoryTier) {
    this.#tier = tier;
  }

  /** The value of `key` from `fetch` (L2), filling L1 when still valid; each caller gets its own copy. */
  read(
    key: string,
    fetch: (key: string) => Promise<Uint8Array | undefined>,
  ): Promise<Uint8Array | undefined> {
    const shared = this.#inFlight.get(key);
    if (shared !== undefined && this.#tier.isCurrent(shared.ticket)) {
      return shared.promise.then(copyOrNothing);
    }
    const startMs = performance.now();
    const ticket = this.#tier.beginRead(key);
    const promise: Promise<Uint8Array | undefined> = fetch(key).then(
      (value) => {
        this.#done(key, promise);
        this.#tier.endRead(ticket, copyOrNothing(value), startMs);
        return value;
      },
      (error: unknown) => {
        this.#done(key, promise);
        this.#tier.abandon(ticket);
        throw error;
      },
    );
    this.#inFlight.set(key, { ticket, promise });
    return promise.then(copyOrNothing);
  }

  #done(key: string, promise: Promise<Uint8Array | undefined>): void {
    if (this.#inFlight.get(key)?.promise === promise) this.#inFlight.delete(key);
  }
}
