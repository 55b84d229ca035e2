import {
  CacheError,
  type CacheService,
  type Codec,
  describeError,
  jsonCodec,
} from '@pywatt/cache-core';
import { backoffDelayMs } from './internal/backoff.js';
import { integerAtLeast, optionalDurationMs, optionalFunction } from './internal/validate.js';
import type { FailedWrite, WriteBatchResult, WriteBehindOptions } from './write-behind-options.js';

const OPERATION = 'WriteBehind';

interface Queued<T> {
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
 */
export class WriteBehind<T> implements AsyncDisposable {
  readonly #cache: CacheService;
  readonly #writeBatch: WriteBehindOptions<T>['writeBatch'];
  readonly #onFailure: WriteBehindOptions<T>['onFailure'];
  readonly #codec: Codec<T>;
  readonly #ttlMs: number | undefined;
  readonly #batchSize: number;
  readonly #flushIntervalMs: number;
  readonly #maxRetries: number;
  readonly #retryDelayMs: number;
  readonly #maxRetryDelayMs: number;
  readonly #maxQueue: number;
  readonly #rejectWhenFull: boolean;
  readonly #random: () => number;
  readonly #pending = new Map<string, Queued<T>>();
  readonly #inFlight = new Map<string, Queued<T>>();
  #reserved = 0;
  #seq = 0;
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
    const writeBatch = optionalFunction(options?.writeBatch, 'writeBatch', OPERATION);
    const onFailure = optionalFunction(options?.onFailure, 'onFailure', OPERATION);
    if (writeBatch === undefined || onFailure === undefined) {
      throw new CacheError(
        'INVALID_ARGUMENT',
        'WriteBehind needs both writeBatch (writes to the source) and onFailure (receives entries that failed every retry)',
        { operation: OPERATION },
      );
    }
    this.#writeBatch = writeBatch;
    this.#onFailure = onFailure;
    this.#codec = options.codec ?? (jsonCodec as Codec<T>);
    this.#ttlMs = optionalDurationMs(options.ttlMs, 'ttlMs', OPERATION, true);
    this.#batchSize = integerAtLeast(options.batchSize, 1, 'batchSize', OPERATION, 100);
    this.#flushIntervalMs =
      optionalDurationMs(options.flushIntervalMs, 'flushIntervalMs', OPERATION) ?? 1000;
    this.#maxRetries = integerAtLeast(options.maxRetries, 0, 'maxRetries', OPERATION, 5);
    this.#retryDelayMs = optionalDurationMs(options.retryDelayMs, 'retryDelayMs', OPERATION) ?? 100;
    this.#maxRetryDelayMs =
      optionalDurationMs(options.maxRetryDelayMs, 'maxRetryDelayMs', OPERATION) ?? 30_000;
    this.#maxQueue = integerAtLeast(options.maxQueue, 1, 'maxQueue', OPERATION, 10_000);
    if (
      options.whenFull !== undefined &&
      options.whenFull !== 'wait' &&
      options.whenFull !== 'reject'
    )
      throw new CacheError('INVALID_ARGUMENT', "option 'whenFull' must be 'wait' or 'reject'", {
        operation: OPERATION,
      });
    this.#rejectWhenFull = options.whenFull === 'reject';
    this.#random = optionalFunction(options.random, 'random', OPERATION) ?? Math.random;
  }

  /** Distinct keys queued or being written now. */
  get size(): number {
    return this.#pending.size + this.#inFlight.size;
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
    const bytes = this.#encode(value);
    let reserved = false;
    if (!this.#pending.has(key)) {
      await this.#reserveSpace();
      reserved = true;
    }
    try {
      await this.#cache.set(
        key,
        bytes,
        this.#ttlMs === undefined ? undefined : { ttlMs: this.#ttlMs },
      );
    } finally {
      if (reserved) this.#reserved--;
    }
    this.#enqueue(key, value);
  }

  /**
   * Resolves when every write accepted before this call has been written to
   * the source or handed to `onFailure`. Sends partial batches at once
   * (retry backoff still applies). Never rejects.
   */
  flush(): Promise<void> {
    const target = this.#seq;
    if (!this.#owes(target)) return Promise.resolve();
    return new Promise((resolve) => {
      this.#flushWaiters.push({ target, resolve });
      this.#schedule(0);
    });
  }

  /**
   * Flushes, then stops: later writes reject with `CLOSED`, and writes still
   * waiting for room reject with `CLOSED`. No timer is left. Idempotent. Does
   * not close the cache.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      for (const wake of this.#spaceWaiters.splice(0)) wake();
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

  #encode(value: T): Uint8Array {
    try {
      return this.#codec.encode(value);
    } catch (error) {
      if (CacheError.is(error, 'SERIALIZATION')) throw error;
      throw new CacheError('SERIALIZATION', `cannot encode the value: ${describeError(error)}`, {
        operation: 'write',
        cause: error,
      });
    }
  }

  async #reserveSpace(): Promise<void> {
    while (this.size + this.#reserved >= this.#maxQueue) {
      if (this.#rejectWhenFull)
        throw new CacheError(
          'CAPACITY_EXCEEDED',
          `the write-behind queue is full (maxQueue ${this.#maxQueue}); the source is slower than the writes or down`,
          { operation: 'write', retryable: true },
        );
      await new Promise<void>((resolve) => this.#spaceWaiters.push(resolve));
      this.#checkOpen();
    }
    this.#reserved++;
  }

  #enqueue(key: string, value: T): void {
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
    this.#schedule(this.#pending.size >= this.#batchSize ? 0 : this.#flushIntervalMs);
  }

  // True while some entry carries a write with sequence number ≤ target.
  #owes(target: number): boolean {
    for (const entry of this.#pending.values()) if (entry.sinceSeq <= target) return true;
    for (const entry of this.#inFlight.values()) if (entry.sinceSeq <= target) return true;
    return false;
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
        const batch = this.#nextBatch(Date.now());
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

  #nextBatch(now: number): Queued<T>[] {
    const ready: Queued<T>[] = [];
    for (const entry of this.#pending.values()) if (entry.notBefore <= now) ready.push(entry);
    if (ready.length >= this.#batchSize) return ready.slice(0, this.#batchSize);
    if (this.#urgent()) return ready;
    return ready.some((entry) => entry.dueAt <= now) ? ready : [];
  }

  #scheduleNext(): void {
    if (this.#pending.size === 0) return;
    const urgent = this.#urgent();
    let wake = Number.POSITIVE_INFINITY;
    for (const entry of this.#pending.values()) {
      wake = Math.min(wake, urgent ? entry.notBefore : Math.max(entry.notBefore, entry.dueAt));
    }
    this.#schedule(wake - Date.now());
  }

  async #send(batch: Queued<T>[]): Promise<void> {
    for (const entry of batch) {
      this.#pending.delete(entry.key);
      this.#inFlight.set(entry.key, entry);
      entry.attempts++;
    }
    let failed: Set<string> | undefined;
    let failure: unknown;
    try {
      const result = (await this.#writeBatch(batch.map(({ key, value }) => ({ key, value })))) as
        | WriteBatchResult
        | undefined;
      if (result != null && typeof result === 'object' && 'failedKeys' in result) {
        failed = new Set(result.failedKeys);
        failure = result.error ?? new Error('writeBatch reported these entries as not written');
      }
    } catch (error) {
      failed = new Set(batch.map((entry) => entry.key));
      failure = error;
    }
    const givenUp: FailedWrite<T>[] = [];
    const now = Date.now();
    for (const entry of batch) {
      this.#inFlight.delete(entry.key);
      if (failed === undefined || !failed.has(entry.key)) continue;
      const newer = this.#pending.get(entry.key);
      if (newer !== undefined) {
        // A newer value is queued: it replaces this one, and owes what this one owed.
        newer.sinceSeq = Math.min(newer.sinceSeq, entry.sinceSeq);
      } else if (entry.attempts > this.#maxRetries) {
        givenUp.push({ key: entry.key, value: entry.value, attempts: entry.attempts });
      } else {
        entry.notBefore =
          now +
          backoffDelayMs(
            entry.attempts,
            { baseDelayMs: this.#retryDelayMs, maxDelayMs: this.#maxRetryDelayMs, factor: 2 },
            this.#random,
          );
        this.#pending.set(entry.key, entry);
      }
    }
    for (const wake of this.#spaceWaiters.splice(0)) wake();
    if (givenUp.length > 0) {
      try {
        await this.#onFailure(givenUp, failure);
      } catch {
        // the hook's own failure must not stop the queue
      }
    }
  }

  #settleWaiters(): void {
    if (this.#flushWaiters.length === 0) return;
    const still: Array<{ target: number; resolve: () => void }> = [];
    for (const waiter of this.#flushWaiters) {
      if (this.#owes(waiter.target)) still.push(waiter);
      else waiter.resolve();
    }
    this.#flushWaiters = still;
  }
}
