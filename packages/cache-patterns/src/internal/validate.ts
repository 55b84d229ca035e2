import { CacheError } from '@pywatt/cache-core';

// Option checks shared by the patterns: each throws INVALID_ARGUMENT naming the option.

function invalid(operation: string, name: string, rule: string, value: unknown): CacheError {
  const shown = typeof value === 'number' || value === undefined ? String(value) : typeof value;
  return new CacheError('INVALID_ARGUMENT', `option '${name}' must be ${rule} (got ${shown})`, {
    operation,
  });
}

/** A positive finite number of milliseconds (or Infinity when allowed), or undefined. */
export function optionalDurationMs(
  value: unknown,
  name: string,
  operation: string,
  allowInfinity = false,
): number | undefined {
  if (value === undefined) return undefined;
  if (
    typeof value === 'number' &&
    value > 0 &&
    (Number.isFinite(value) || (allowInfinity && value === Number.POSITIVE_INFINITY))
  )
    return value;
  throw invalid(
    operation,
    name,
    `a positive number of milliseconds${allowInfinity ? ' or Infinity' : ''}`,
    value,
  );
}

/** A non-negative finite number (0 allowed), or the default. */
export function nonNegative(
  value: unknown,
  name: string,
  operation: string,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && value >= 0 && Number.isFinite(value)) return value;
  throw invalid(operation, name, 'a finite number ≥ 0', value);
}

/** A whole number ≥ `min`, or the default. */
export function integerAtLeast(
  value: unknown,
  min: number,
  name: string,
  operation: string,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  if (Number.isSafeInteger(value) && (value as number) >= min) return value as number;
  throw invalid(operation, name, `a whole number ≥ ${min}`, value);
}

/** A function, or undefined. */
export function optionalFunction<F>(
  value: F | undefined,
  name: string,
  operation: string,
): F | undefined {
  if (value === undefined || typeof value === 'function') return value;
  throw invalid(operation, name, 'a function', value);
}
