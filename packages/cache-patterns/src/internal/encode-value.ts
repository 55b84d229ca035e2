import { CacheError, type Codec, describeError } from '@pywatt/cache-core';

/**
 * Encodes `value` with `codec`. A codec failure becomes CacheError
 * `SERIALIZATION` (a codec's own SERIALIZATION error passes unchanged),
 * naming `operation`.
 */
export function encodeValue<T>(codec: Codec<T>, value: T, operation: string): Uint8Array {
  try {
    return codec.encode(value);
  } catch (error) {
    if (CacheError.is(error, 'SERIALIZATION')) throw error;
    throw new CacheError('SERIALIZATION', `cannot encode the value: ${describeError(error)}`, {
      operation,
      cause: error,
    });
  }
}
