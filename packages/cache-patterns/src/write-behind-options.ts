import type { Codec } from '@pywatt/cache-core';

/** One key and its newest value, as handed to `writeBatch`. */
export interface WriteBehindRecord<T> {
  readonly key: string;
  readonly value: T;
}

/** An entry given up after its retries, as handed to `onFailure`. */
export interface FailedWrite<T> extends WriteBehindRecord<T> {
  /** How many times it was sent (1 + retries). */
  readonly attempts: number;
}

/**
 * What `writeBatch` may resolve with when only part of a batch failed. The
 * entries named in `failedKeys` are retried; the others count as written.
 * Resolving with nothing (or throwing) means all written (or all failed).
 */
export interface WriteBatchResult {
  /** Keys of the entries that were not written. */
  failedKeys: Iterable<string>;
  /** Why, for `onFailure`. */
  error?: unknown;
}

/** Options of {@link WriteBehind}. Durations are milliseconds. */
export interface WriteBehindOptions<T> {
  /**
   * Writes a batch to the source of truth. Each key appears once, with its
   * newest value. Throw (or reject) if nothing was written; resolve with a
   * {@link WriteBatchResult} if only some entries failed. Must be idempotent:
   * delivery is at least once.
   */
  writeBatch: (entries: ReadonlyArray<WriteBehindRecord<T>>) => unknown;
  /**
   * Receives entries that still failed after `maxRetries` retries, with the
   * last error; nothing is ever dropped silently. Errors it throws are ignored.
   */
  onFailure: (entries: ReadonlyArray<FailedWrite<T>>, error: unknown) => void | Promise<void>;
  /** Turns values into the bytes stored in the cache. Default `jsonCodec`. */
  codec?: Codec<T> | undefined;
  /** TTL of the cached values, in ms (positive, or `Infinity`). Default: the cache's `defaultTtlMs`. */
  ttlMs?: number | undefined;
  /** Most entries per `writeBatch` call; a full batch goes out at once. Default 100. */
  batchSize?: number | undefined;
  /** Longest time a write waits for its batch to fill, in ms. Default 1000. */
  flushIntervalMs?: number | undefined;
  /** Retries per entry after its first failed send. Default 5. */
  maxRetries?: number | undefined;
  /** Wait before the first retry, in ms; doubles per retry, with jitter. Default 100. */
  retryDelayMs?: number | undefined;
  /** Longest wait between retries, in ms. Default 30 000. */
  maxRetryDelayMs?: number | undefined;
  /** Most distinct keys queued or being written at once. Default 10 000. */
  maxQueue?: number | undefined;
  /**
   * What `write` does when the queue is full: `'wait'` until there is room
   * (backpressure) or `'reject'` with CacheError `CAPACITY_EXCEEDED`. Default `'wait'`.
   */
  whenFull?: 'wait' | 'reject' | undefined;
  /** A source of randomness in [0, 1) for the jitter; for tests. Default `Math.random`. */
  random?: (() => number) | undefined;
}
