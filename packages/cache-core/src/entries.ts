import { CacheError } from './errors.js';
import type { CacheEntries } from './types.js';

/** Turns what `setMany` accepts (Map, iterable of pairs, plain record) into an array of pairs. */
export function entriesToArray(
  entries: CacheEntries,
  operation = 'setMany',
): Array<readonly [string, Uint8Array]> {
  if (entries === null || typeof entries !== 'object') {
    throw new CacheError(
      'INVALID_ARGUMENT',
      'entries must be a Map, an iterable of [key, value] pairs or a plain object',
      { operation },
    );
  }
  if (Symbol.iterator in entries) {
    const pairs: Array<readonly [string, Uint8Array]> = [];
    for (const pair of entries as Iterable<readonly [string, Uint8Array]>) {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new CacheError('INVALID_ARGUMENT', 'each entry must be a [key, value] pair', {
          operation,
        });
      }
      pairs.push(pair);
    }
    return pairs;
  }
  return Object.entries(entries as Record<string, Uint8Array>);
}

/** Turns an iterable of keys into an array, rejecting a lone string (a common slip). */
export function keysToArray(keys: Iterable<string>, operation: string): string[] {
  if (
    typeof keys === 'string' ||
    keys == null ||
    typeof (keys as Iterable<string>)[Symbol.iterator] !== 'function'
  ) {
    throw new CacheError(
      'INVALID_ARGUMENT',
      'keys must be an array (or other iterable) of strings',
      { operation },
    );
  }
  return Array.isArray(keys) ? keys : [...keys];
}
