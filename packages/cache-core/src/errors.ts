import type { CacheType } from './types.js';

/** Every failure a PyWatt cache reports carries one of these codes. */
export const CacheErrorCode = {
  CONNECTION: 'CONNECTION',
  TIMEOUT: 'TIMEOUT',
  CLOSED: 'CLOSED',
  CONFIGURATION: 'CONFIGURATION',
  BACKEND_NOT_INSTALLED: 'BACKEND_NOT_INSTALLED',
  INVALID_KEY: 'INVALID_KEY',
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  VALUE_TOO_LARGE: 'VALUE_TOO_LARGE',
  NOT_NUMERIC: 'NOT_NUMERIC',
  OUT_OF_RANGE: 'OUT_OF_RANGE',
  CAPACITY_EXCEEDED: 'CAPACITY_EXCEEDED',
  SERIALIZATION: 'SERIALIZATION',
  LOCK_NOT_ACQUIRED: 'LOCK_NOT_ACQUIRED',
  PROTOCOL: 'PROTOCOL',
  UNAUTHORIZED: 'UNAUTHORIZED',
  UNSUPPORTED: 'UNSUPPORTED',
  INTERNAL: 'INTERNAL',
} as const;
/** One of the {@link CacheErrorCode} strings. */
export type CacheErrorCode = (typeof CacheErrorCode)[keyof typeof CacheErrorCode];

/** Codes for failures that may succeed when the same call is tried again later. */
const RETRYABLE_BY_DEFAULT: ReadonlySet<CacheErrorCode> = new Set(['CONNECTION', 'TIMEOUT']);

// A global symbol, so CacheError.is() recognises errors made by another copy of this package.
const BRAND = Symbol.for('@pywatt/cache-core/CacheError');

/** Options for {@link CacheError}'s constructor. */
export interface CacheErrorOptions {
  /** The `CacheService` method that failed, e.g. `'get'`. */
  operation?: string | undefined;
  /** The backend that failed. */
  backend?: CacheType | undefined;
  /** Whether trying again later may succeed; defaults to true for CONNECTION and TIMEOUT. */
  retryable?: boolean | undefined;
  /** The original error (a driver's, a file system's). */
  cause?: unknown;
}

/**
 * The one error class of every PyWatt cache package. Branch on `code`; use
 * {@link CacheError.is} rather than `instanceof`, which fails when two copies of
 * the package are installed.
 */
export class CacheError extends Error {
  /** What kind of failure this is; stable across versions. */
  readonly code: CacheErrorCode;
  /** The method that failed, when known. */
  readonly operation: string | undefined;
  /** The backend that failed, when known. */
  readonly backend: CacheType | undefined;
  /** Whether trying again later may succeed. */
  readonly retryable: boolean;

  constructor(code: CacheErrorCode, message: string, options: CacheErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CacheError';
    this.code = code;
    this.operation = options.operation;
    this.backend = options.backend;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(code);
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** True when `value` is a CacheError (from any copy of this package), optionally with `code`. */
  static is(value: unknown, code?: CacheErrorCode): value is CacheError {
    if (typeof value !== 'object' || value === null) return false;
    if ((value as Record<symbol, unknown>)[BRAND] !== true) return false;
    return code === undefined || (value as CacheError).code === code;
  }
}

// Failures caused by the caller's arguments or data, not by the backend: not counted in stats().errors.
const CALLER_CODES: ReadonlySet<CacheErrorCode> = new Set([
  'CLOSED',
  'INVALID_KEY',
  'INVALID_ARGUMENT',
  'NOT_NUMERIC',
  'OUT_OF_RANGE',
  'VALUE_TOO_LARGE',
]);

/** True for codes of failures the caller caused (bad arguments, a closed cache, a non-numeric value). */
export function isCallerError(code: CacheErrorCode): boolean {
  return CALLER_CODES.has(code);
}

/** Returns the message of anything thrown, for wrapping in a CacheError. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
