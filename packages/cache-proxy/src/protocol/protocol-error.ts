import { CacheError } from '@pywatt/cache-core';

/** A PROTOCOL CacheError: the peer sent bytes that do not follow PROTOCOL.md. */
export function protocolError(message: string, operation = 'decode'): CacheError {
  return new CacheError('PROTOCOL', message, { operation, backend: 'proxy', retryable: false });
}
