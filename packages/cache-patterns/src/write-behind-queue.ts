/** One key's queued source write. */
export interface QueuedWrite<T> {
  key: string;
  value: T;
  /** Sends so far. */
  attempts: number;
  /** Not sent before this time (retry backoff), ms since the epoch. */
  notBefore: number;
  /** Sent by this time even if its batch is not full. */
  dueAt: number;
  /** Sequence number of the oldest write this entry carries that is not yet written. */
  sinceSeq: number;
}

/**
 * The write-behind queue: one entry per key waiting to be sent (writes to a
 * key coalesce, only the newest value goes out) and the entries being sent
 * now. Every accepted write gets a sequence number, so `flush()` can tell
 * when all writes accepted before it have left the queue.
 */
export class WriteBehindQueue<T> {
  readonly #flushIntervalMs: number;
  readonly #pending = new Map<string, QueuedWrite<T>>();
  readonly #inFlight = new Map<string, QueuedWrite<T>>();
  #seq = 0;

  /** @param flushIntervalMs - how long a new entry may wait for its batch to fill. */
  constructor(flushIntervalMs: number) {
    this.#flushIntervalMs = flushIntervalMs;
  }

  /** Distinct keys queued or being written now. */
  get size(): number {
    return this.#pending.size + this.#inFlight.size;
  }

  /** Distinct keys waiting to be sent. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** The sequence number of the last write accepted. */
  get lastSeq(): number {
    return this.#seq;
  }

  /** Whether `key` has an entry waiting to be sent (a new write would coalesce into it). */
  has(key: string): boolean {
    return this.#pending.has(key);
  }

  /** The entry of `key` waiting to be sent, if any. */
  pendingEntry(key: string): QueuedWrite<T> | undefined {
    return this.#pending.get(key);
  }

  /** Queues a write, coalescing it into the key's waiting entry when there is one. */
  enqueue(key: string, value: T): void {
    const seq = ++this.#seq;
    const existing = this.#pending.get(key);
    if (existing !== undefined) {
      existing.value = value; // coalesce: only the newest value goes out
      existing.attempts = 0; // the new value has not failed yet; its backoff (notBefore) stays
    } else {
      const now = Date.now();
      this.#pending.set(key, {
        key,
        value,
        attempts: 0,
        notBefore: 0,
        dueAt: now + this.#flushIntervalMs,
        sinceSeq: seq,
      });
    }
  }

  /** True while some entry carries a write with sequence number ≤ target. */
  owes(target: number): boolean {
    for (const entry of this.#pending.values()) if (entry.sinceSeq <= target) return true;
    for (const entry of this.#inFlight.values()) if (entry.sinceSeq <= target) return true;
    return false;
  }

  /**
   * The entries to send now: up to `batchSize` whose backoff is over, once the
   * batch is full, one of them is due, or `urgent` (a flush or close waits).
   */
  nextBatch(now: number, batchSize: number, urgent: boolean): QueuedWrite<T>[] {
    const ready: QueuedWrite<T>[] = [];
    for (const entry of this.#pending.values()) if (entry.notBefore <= now) ready.push(entry);
    if (ready.length >= batchSize) return ready.slice(0, batchSize);
    if (urgent) return ready;
    return ready.some((entry) => entry.dueAt <= now) ? ready : [];
  }

  /** When the next batch may be ready (ms since the epoch); undefined when nothing waits. */
  nextWakeAt(urgent: boolean): number | undefined {
    if (this.#pending.size === 0) return undefined;
    let wake = Number.POSITIVE_INFINITY;
    for (const entry of this.#pending.values()) {
      wake = Math.min(wake, urgent ? entry.notBefore : Math.max(entry.notBefore, entry.dueAt));
    }
    return wake;
  }

  /** Moves a batch from waiting to being sent, counting the attempt. */
  startSending(batch: readonly QueuedWrite<T>[]): void {
    for (const entry of batch) {
      this.#pending.delete(entry.key);
      this.#inFlight.set(entry.key, entry);
      entry.attempts++;
    }
  }

  /** Ends an entry's send; call {@link requeue} to retry it. */
  finishSending(entry: QueuedWrite<T>): void {
    this.#inFlight.delete(entry.key);
  }

  /** Puts a sent entry back to wait for its retry. */
  requeue(entry: QueuedWrite<T>): void {
    this.#pending.set(entry.key, entry);
  }
}
