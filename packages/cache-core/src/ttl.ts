import { CacheError } from './errors.js';
import type { CacheType } from './types.js';

/** The default TTL of every cache, as in the original module: five minutes. */
export const DEFAULT_TTL_MS = 300_000;

/**
 * The longest finite TTL kept as such: the range of a JavaScript Date
 * (about 273,790 years). Anything longer can never be reached by a clock and is
 * treated as `Infinity` (no expiry) rather than overflowing a backend.
 */
export const MAX_FINITE_TTL_MS = 8_640_000_000_000_000 / 1000;

/**
 * Checks a TTL in milliseconds and returns it rounded up to a whole millisecond
 * (`Infinity` for no expiry). Throws INVALID_ARGUMENT for 0, negatives, NaN and
 * non-numbers. `undefined` gives `defaultTtlMs`.
 */
export function normalizeTtl(
  ttlMs: unknown,
  defaultTtlMs: number,
  operation: string,
  backend?: CacheType,
  field = 'ttlMs',
): number {
  if (ttlMs === undefined) return defaultTtlMs;
  if (typeof ttlMs === 'number' && ttlMs > 0) {
    if (ttlMs > MAX_FINITE_TTL_MS) return Number.POSITIVE_INFINITY;
    return Math.ceil(ttlMs);
  }
  throw new CacheError(
    'INVALID_ARGUMENT',
    `${field} must be a positive number of milliseconds or Infinity (got ${typeof ttlMs === 'number' ? ttlMs : typeof ttlMs})`,
    { operation, backend },
  );
}
