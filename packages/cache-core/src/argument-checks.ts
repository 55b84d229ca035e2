import type { Codec } from './codecs.js';
import { CacheError, describeError } from './errors.js';
import { normalizeTtl } from './ttl.js';
import type { CacheType, SetOptions } from './types.js';

// The argument checks every public method shares. StoreCache uses them; a backend
// writing a fast path of its own calls the same functions, so the errors stay identical.

/** Throws INVALID_ARGUMENT unless `value` is bytes, VALUE_TOO_LARGE when over `maxValueBytes`. */
export function checkValue(
  value: unknown,
  maxValueBytes: number,
  operation: string,
  backend?: CacheType,
): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    const what = value === null ? 'null' : typeof value;
    throw new CacheError(
      'INVALID_ARGUMENT',
      `value must be a Uint8Array or Buffer, got ${what}; use setString/setJson or a codec for other types`,
      {
        operation,
        backend,
      },
    );
  }
  if (value.byteLength > maxValueBytes) {
    throw new CacheError(
      'VALUE_TOO_LARGE',
      `value of ${value.byteLength} bytes exceeds maxValueBytes (${maxValueBytes})`,
      { operation, backend },
    );
  }
}

/** Throws INVALID_ARGUMENT unless `token` looks like one `lock()` returned. */
export function checkToken(
  token: unknown,
  operation: string,
  backend?: CacheType,
): asserts token is string {
  if (typeof token !== 'string' || token.length === 0 || token.length > 256) {
    throw new CacheError(
      'INVALID_ARGUMENT',
      'token must be the non-empty string that lock() returned',
      { operation, backend },
    );
  }
}

/** The TTL a write uses: `options.ttlMs` normalised, or `defaultTtlMs`. Throws INVALID_ARGUMENT. */
export function resolveTtl(
  options: SetOptions | undefined,
  defaultTtlMs: number,
  operation: string,
  backend?: CacheType,
): number {
  if (options === undefined) return defaultTtlMs;
  if (typeof options !== 'object' || options === null) {
    throw new CacheError('INVALID_ARGUMENT', 'options must be an object such as { ttlMs: 1000 }', {
      operation,
      backend,
    });
  }
  return normalizeTtl(options.ttlMs, defaultTtlMs, operation, backend);
}

/** A lock's TTL: required, positive and finite (a lock must free itself if its holder dies). */
export function resolveLockTtl(ttlMs: unknown, operation: string, backend?: CacheType): number {
  if (ttlMs === Number.POSITIVE_INFINITY) {
    throw new CacheError(
      'INVALID_ARGUMENT',
      'a lock needs a finite ttlMs so that it frees itself if its holder dies',
      { operation, backend },
    );
  }
  return normalizeTtl(ttlMs ?? Number.NaN, 0, operation, backend);
}

function serializationError(error: unknown, operation: string, backend?: CacheType): CacheError {
  if (CacheError.is(error) && error.operation !== undefined) return error;
  return new CacheError('SERIALIZATION', `${operation}: ${describeError(error)}`, {
    operation,
    backend,
    cause: error,
  });
}

/** `codec.encode(value)`, failures as SERIALIZATION. */
export function encodeWith<T>(
  codec: Codec<T>,
  value: T,
  operation: string,
  backend?: CacheType,
): Uint8Array {
  try {
    return codec.encode(value);
  } catch (error) {
    throw serializationError(error, operation, backend);
  }
}

/** `codec.decode(bytes)` (undefined stays undefined), failures as SERIALIZATION. */
export function decodeWith<T>(
  codec: Codec<T>,
  bytes: Uint8Array | undefined,
  operation: string,
  backend?: CacheType,
): T | undefined {
  if (bytes === undefined) return undefined;
  try {
    return codec.decode(bytes);
  } catch (error) {
    throw serializationError(error, operation, backend);
  }
}
