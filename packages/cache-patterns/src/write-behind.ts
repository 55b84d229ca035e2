import { CacheError, type CacheService } from '@pywatt/cache-core';
import { encodeWith } from '@pywatt/cache-core/store';
import {
  resolveWriteBehindSettings,
  type WriteBehindOptions,
  type WriteBehindSettings,
} from './write-behind-options.js';
import { type QueuedWrite, WriteBehindQueue } from './write-behind-queue.js';
import { sendBatch, settleBatch } from './write-behind-retry.js';

/**
 * Write-behind: `write` updates the cache at once and queues the source
 * write; queued writes go to `writeBatch` in batches. Writes to one key
 * coalesce (only the newest value goes out); a failed entry is retried with
 * exponential backoff and jitter, up to `maxRetries`, then handed to
 * `onFailure`. The queue is bounded by `maxQueue`.
 *
 * Delivery is **at least once**: an entry whose batch failed (or half failed)
 * may be sent again, so `writeBatch` must be idempotent. Entries live in this
 * process's memory only: a SIGKILL or crash loses everything queued and not
 * yet written (the cache already holds those values, the source does not).
 * Call `close()` (or `flush()`) before a graceful exit.
 *
 * While entries are queued a timer keeps the process alive; `close()` ends it.
 *
 * The queue and coalescing live in write-behind-queue.ts, sending and
 * retry backoff in write-behind-retry.ts; this class schedules the batches,
 * bounds the queue and answers `flush()`/`close()`.
 */
export class WriteBehind<T> implements AsyncDisposable {
  readonly #cache: CacheService;
  readonly #settings: WriteBehindSettings<T>;
  readonly #queue: WriteBehindQueue<T>;
  #reserved = 0;
  /** Writes past the open check whose cache set has not finished: close() waits for them. */
  readonly #entering = new Set<Promise<void>>();
  #flushWaiters: Array<{ target: number; resolve: () => void }> = [];
  #spaceWaiters: Array<() => void> = [];
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #pumping = false;
  #closed = false;
  #closing: Promise<void> | undefined;

  /**
   * @param cache - the cache updated at once by every write.
   * @param options - see {@link WriteBehindOptions}; `writeBatch` and `onFailure` are required.
   *   Invalid options throw CacheError `INVALID_ARGUMENT`.
   */
  constructor(cache: CacheService, options: WriteBehindOptions<T>) {
    this.#cache = cache;
    this.#settings = resolveWriteBehindSettings(options);
    this.#queue = new WriteBehindQueue(this.#settings.flushIntervalMs);
  }

  /** Distinct keys queued or being written now. */
  get size(): number {
    return this.#queue.size;
  }

  /**
   * Stores `value` in the cache now and queues it for the source. Resolves
   * once the cache holds it and the write is queued. Rejects with CacheError
   * `SERIALIZATION` (codec), `CAPACITY_EXCEEDED` (queue full with
   * `whenFull: 'reject'`), `CLOSED` (after `close()`), or the cache's error
   * (then nothing is queued). With `whenFull: 'wait'` it first waits for room.
   */
  async write(key: string, value: T): Promise<void> {
    this.#checkOpen();
    const entering = this.#enter(key, value);
    this.#entering.add(entering);
    try {
      await entering;
    } finally {
      this.#entering.delete(entering);
    }
  }

  async #enter(key: string, value: T): Promise<void> {
    const bytes = encodeWith(this.#settings.codec, value, 'write');
    let reserved = false;
    if (!this.#queue.has(key)) {
      await this.#reserveSpace();
      reserved = true;
    }
    const ttlMs = this.#settings.ttlMs;
    try {
      await this.#cache.set(key, bytes, ttlMs === undefined ? undefined : { ttlMs });
    } finally {
      if (reserved) this.#reserved--;
    }
    this.#queue.enqueue(key, value);
    this.#schedule(
      this.#queue.pendingCount >= this.#settings.batchSize ? 0 : this.#settings.flushIntervalMs,
    );
  }

  /**
   * Resolves when every write accepted before this call has been written to
   * the source or handed to `onFailure`. Sends partial batches at once
   * (retry backoff still applies). Never rejects.
   */
  flush(): Promise<void> {
    const target = this.#queue.lastSeq;
    if (!this.#queue.owes(target)) return Promise.resolve();
    return new Promise((resolve) => {
      this.#flushWaiters.push({ target, resolve });
      this.#schedule(0);
    });
  }

  /**
   * Flushes, then stops: later writes reject with `CLOSED`, and writes still
   * waiting for room reject with `CLOSED`. A write called before `close()`
   * whose cache set is still running is waited for and flushed too, so when
   * `close()` resolves the source has every accepted write. No timer is left.
   * Idempotent. Does not close the cache.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      for (const wake of this.#spaceWaiters.splice(0)) wake();
      // A write accepted before close() is queued only once its cache set returns; wait, then flush it too.
      await Promise.allSettled(this.#entering);
      await this.flush();
      clearTimeout(this.#timer);
      this.#timer = undefined;
    })();
    return this.#closing;
  }

  /** `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #checkOpen(): void {
    if (this.#closed)
      throw new CacheError(
        'CLOSED',
        'this WriteBehind is closed; write() cannot run after close()',
        {
          operation: 'write',
        },
      );
  }

  async #reserveSpace(): Promise<void> {
    const { maxQueue, rejectWhenFull } = this.#settings;
    while (this.size + this.#reserved >= maxQueue) {
      if (rejectWhenFull)
        throw new CacheError(
          'CAPACITY_EXCEEDED',
          `the write-behind queue is full (maxQueue ${maxQueue}); the source is slower than the writes or down`,
          { operation: 'write', retryable: true },
        );
      await new Promise<void>((resolve) => this.#spaceWaiters.push(resolve));
      this.#checkOpen();
    }
    this.#reserved++;
  }

  #schedule(delayMs: number): void {
    const at = Date.now() + Math.max(0, delayMs);
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Number.POSITIVE_INFINITY;
      void this.#pump();
    }, delayMs);
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      for (;;) {
        const batch = this.#queue.nextBatch(Date.now(), this.#settings.batchSize, this.#urgent());
        if (batch.length === 0) break;
        await this.#send(batch);
        this.#settleWaiters();
      }
    } finally {
      this.#pumping = false;
    }
    this.#settleWaiters();
    this.#scheduleNext();
  }

  #urgent(): boolean {
    return this.#flushWaiters.length > 0 || this.#closed;
  }

  #scheduleNext(): void {
    const wake = this.#queue.nextWakeAt(this.#urgent());
    if (wake !== undefined) this.#schedule(wake - Date.now());
  }

  async #send(batch: QueuedWrite<T>[]): Promise<void> {
    const { writeBatch, onFailure } = this.#settings;
    this.#queue.startSending(batch);
    // The hooks are called with this WriteBehind as `this`, as they always were.
    const outcome = await sendBatch((entries) => writeBatch.call(this, entries), batch);
    const givenUp = settleBatch(this.#queue, batch, outcome, this.#settings, Date.now());
    for (const wake of this.#spaceWaiters.splice(0)) wake();
    if (givenUp.length > 0) {
      try {
        await onFailure.call(this, givenUp, outcome.failure);
      } catch {
        // the hook's own failure must not stop the queue
      }
    }
  }

  #settleWaiters(): void {
    if (this.#flushWaiters.length === 0) return;
    const still: Array<{ target: number; resolve: () => void }> = [];
    for (const waiter of this.#flushWaiters) {
      if (this.#queue.owes(waiter.target)) still.push(waiter);
      else waiter.resolve();
    }
    this.#flushWaiters = still;
  }
}
