import { CacheError, type Codec, jsonCodec } from '@pywatt/cache-core';
import { integerAtLeast, optionalDurationMs, optionalFunction } from './internal/validate.js';

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

const OPERATION = 'WriteBehind';

/** {@link WriteBehindOptions} checked, with the defaults filled in. */
export interface WriteBehindSettings<T> {
  readonly writeBatch: WriteBehindOptions<T>['writeBatch'];
  readonly onFailure: WriteBehindOptions<T>['onFailure'];
  readonly codec: Codec<T>;
  readonly ttlMs: number | undefined;
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly maxRetries: number;
  readonly retryDelayMs: number;
  readonly maxRetryDelayMs: number;
  readonly maxQueue: number;
  readonly rejectWhenFull: boolean;
  readonly random: () => number;
}

/**
 * Validates a WriteBehind's options and fills in the defaults.
 * @throws CacheError INVALID_ARGUMENT for a missing `writeBatch`/`onFailure` or an invalid option.
 */
export function resolveWriteBehindSettings<T>(
  options: WriteBehindOptions<T>,
): WriteBehindSettings<T> {
  const writeBatch = optionalFunction(options?.writeBatch, 'writeBatch', OPERATION);
  const onFailure = optionalFunction(options?.onFailure, 'onFailure', OPERATION);
  if (writeBatch === undefined || onFailure === undefined) {
    throw new CacheError(
      'INVALID_ARGUMENT',
      'WriteBehind needs both writeBatch (writes to the source) and onFailure (receives entries that failed every retry)',
      { operation: OPERATION },
    );
  }
  const codec = options.codec ?? (jsonCodec as Codec<T>);
  const ttlMs = optionalDurationMs(options.ttlMs, 'ttlMs', OPERATION, true);
  const batchSize = integerAtLeast(options.batchSize, 1, 'batchSize', OPERATION, 100);
  const flushIntervalMs =
    optionalDurationMs(options.flushIntervalMs, 'flushIntervalMs', OPERATION) ?? 1000;
  const maxRetries = integerAtLeast(options.maxRetries, 0, 'maxRetries', OPERATION, 5);
  const retryDelayMs = optionalDurationMs(options.retryDelayMs, 'retryDelayMs', OPERATION) ?? 100;
  const maxRetryDelayMs =
    optionalDurationMs(options.maxRetryDelayMs, 'maxRetryDelayMs', OPERATION) ?? 30_000;
  const maxQueue = integerAtLeast(options.maxQueue, 1, 'maxQueue', OPERATION, 10_000);
  if (
    options.whenFull !== undefined &&
    options.whenFull !== 'wait' &&
    options.whenFull !== 'reject'
  )
    throw new CacheError('INVALID_ARGUMENT', "option 'whenFull' must be 'wait' or 'reject'", {
      operation: OPERATION,
    });
  const rejectWhenFull = options.whenFull === 'reject';
  const random = optionalFunction(options.random, 'random', OPERATION) ?? Math.random;
  return {
    writeBatch,
    onFailure,
    codec,
    ttlMs,
    batchSize,
    flushIntervalMs,
    maxRetries,
    retryDelayMs,
    maxRetryDelayMs,
    maxQueue,
    rejectWhenFull,
    random,
  };
}
