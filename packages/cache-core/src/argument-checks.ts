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
  // Kept small so that it inlines into every write; the refusals are built apart.
  if (value instanceof Uint8Array && value.byteLength <= maxValueBytes) return;
  refuseValue(value, maxValueBytes, operation, backend);
}

function refuseValue(
  value: unknown,
  maxValueBytes: number,
  operation: string,
  backend?: CacheType,
): void {
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
  checkValueBytes(value.byteLength, maxValueBytes, operation, backend);
}

/** Throws VALUE_TOO_LARGE when a value of `byteLength` bytes is over `maxValueBytes`. */
export function checkValueBytes(
  byteLength: number,
  maxValueBytes: number,
  operation: string,
  backend?: CacheType,
): void {
  if (byteLength > maxValueBytes) {
    throw new CacheError(
      'VALUE_TOO_LARGE',
      `value of ${byteLength} bytes exceeds maxValueBytes (${maxValueBytes})`,
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
  // The usual call passes no options: kept this small so that it inlines into every write.
  return options === undefined
    ? defaultTtlMs
    : resolveGivenTtl(options, defaultTtlMs, operation, backend);
}

function resolveGivenTtl(
  options: SetOptions,
  defaultTtlMs: number,
  operation: string,
  backend?: CacheType,
): number {
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

/** `codec.encode(value)` (bytes, or text for a text codec), failures as SERIALIZATION. */
export function encodeWith<T, E = Uint8Array>(
  codec: Pick<Codec<T, E>, 'encode'>,
  value: T,
  operation: string,
  backend?: CacheType,
): E {
  try {
    return codec.encode(value);
  } catch (error) {
    throw serializationError(error, operation, backend);
  }
}

/** `codec.decode(bytes)` (undefined stays undefined; text for a text codec), failures as SERIALIZATION. */
export function decodeWith<T, E = Uint8Array>(
  codec: Pick<Codec<T, E>, 'decode'>,
  bytes: E | undefined,
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
