import { CacheError, type Codec, jsonCodec } from '@pywatt/cache-core';
import { integerAtLeast, optionalDurationMs, optionalFunction } from './internal/validate.js';
import type { WriteBehindOptions } from './write-behind-options.js';

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
