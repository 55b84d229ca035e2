import { CacheError } from './errors.js';
import type { CacheType } from './types.js';

const DECIMAL_INTEGER = /^-?(0|[1-9][0-9]{0,19})$/;
const encoder = new TextEncoder();
const latin1 = new TextDecoder('latin1');

/**
 * Reads a counter stored by `increment`: ASCII decimal, optional minus sign, no
 * leading zeros or spaces. Returns undefined for anything else (and for
 * integers beyond the safe range, which no increment could have produced).
 */
export function parseStoredInteger(bytes: Uint8Array): number | undefined {
  if (bytes.length === 0 || bytes.length > 21) return undefined;
  const text = latin1.decode(bytes);
  if (!DECIMAL_INTEGER.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** The bytes `increment` stores for `value`: ASCII decimal, as Redis stores counters. */
export function encodeStoredInteger(value: number): Uint8Array {
  return encoder.encode(String(value));
}

/** Throws INVALID_ARGUMENT unless `delta` is a safe integer. */
export function validateDelta(
  delta: unknown,
  operation: string,
  backend?: CacheType,
): asserts delta is number {
  if (typeof delta === 'number' && Number.isSafeInteger(delta)) return;
  throw new CacheError('INVALID_ARGUMENT', `delta must be a safe integer (got ${String(delta)})`, {
    operation,
    backend,
  });
}

/**
 * Adds `delta` to a stored counter the way every backend must: NOT_NUMERIC
 * when the stored bytes are not a decimal integer, OUT_OF_RANGE when the sum
 * is not a safe integer. `stored` undefined counts from 0.
 */
export function addToStoredInteger(
  stored: Uint8Array | undefined,
  delta: number,
  key: string,
  backend?: CacheType,
): number {
  const current = stored === undefined ? 0 : parseStoredInteger(stored);
  if (current === undefined) throw notNumeric(key, backend);
  const next = current + delta;
  if (!Number.isSafeInteger(next)) throw outOfRange(key, current, delta, backend);
  return next;
}

/** The error for an increment of a value that is not a decimal integer. */
export function notNumeric(key: string, backend?: CacheType): CacheError {
  return new CacheError(
    'NOT_NUMERIC',
    `the value of key ${JSON.stringify(key)} is not a decimal integer, so it cannot be incremented`,
    { operation: 'increment', backend },
  );
}

/** The error for an increment whose result leaves the safe-integer range. */
export function outOfRange(
  key: string,
  current: number | string,
  delta: number,
  backend?: CacheType,
): CacheError {
  return new CacheError(
    'OUT_OF_RANGE',
    `incrementing key ${JSON.stringify(key)} (${current}) by ${delta} leaves the safe integer range ±${Number.MAX_SAFE_INTEGER}; nothing was changed`,
    { operation: 'increment', backend },
  );
}
