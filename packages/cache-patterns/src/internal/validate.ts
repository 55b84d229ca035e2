import { CacheError } from '@pywatt/cache-core';
import { type FieldRule, rules } from '@pywatt/cache-core/store';

// Option checks shared by the patterns, in core's one validation dialect (field rules):
// each throws INVALID_ARGUMENT naming the option (options are arguments, not a config).

function check<T>(rule: FieldRule<T>, value: unknown, name: string, operation: string): T {
  const problem = rule(value);
  if (problem !== undefined)
    throw new CacheError('INVALID_ARGUMENT', `option '${name}' ${problem}`, { operation });
  return value as T;
}

const nonNegativeNumber: FieldRule<number> = (v) =>
  typeof v === 'number' && v >= 0 && Number.isFinite(v)
    ? undefined
    : `must be a finite number ≥ 0, got ${typeof v === 'number' ? v : typeof v}`;

const aFunction: FieldRule<unknown> = (v) =>
  typeof v === 'function' ? undefined : `must be a function, got ${typeof v}`;

/** A positive finite number of milliseconds (or Infinity when allowed), or undefined. */
export function optionalDurationMs(
  value: unknown,
  name: string,
  operation: string,
  allowInfinity = false,
): number | undefined {
  return check(rules.optional(rules.durationMs({ allowInfinity })), value, name, operation);
}

/** A non-negative finite number (0 allowed), or the default. */
export function nonNegative(
  value: unknown,
  name: string,
  operation: string,
  fallback: number,
): number {
  return value === undefined ? fallback : check(nonNegativeNumber, value, name, operation);
}

/** A whole number ≥ `min`, or the default. */
export function integerAtLeast(
  value: unknown,
  min: number,
  name: string,
  operation: string,
  fallback: number,
): number {
  return value === undefined ? fallback : check(rules.integer(min), value, name, operation);
}

/** A function, or undefined. */
export function optionalFunction<F>(
  value: F | undefined,
  name: string,
  operation: string,
): F | undefined {
  return check(rules.optional(aFunction), value, name, operation) as F | undefined;
}
