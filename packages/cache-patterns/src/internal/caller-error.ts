import { CacheError } from '@pywatt/cache-core';

/**
 * True for the cache errors that are the caller's to see (`INVALID_KEY`,
 * `CLOSED`); any other cache failure is reported and worked around.
 */
export function isCallerError(error: unknown): boolean {
  return CacheError.is(error, 'INVALID_KEY') || CacheError.is(error, 'CLOSED');
}
