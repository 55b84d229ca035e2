import { CacheError, describeError } from '@pywatt/cache-core';
import { Status } from './protocol.js';
import { TransportError } from './transport-error.js';

const backend = 'memcached' as const;

/** Turns a failure of a memcached request into a CacheError that says what to do. */
export function mapError(error: unknown, operation: string, timeoutMs: number): CacheError {
  if (CacheError.is(error)) return error;
  if (!(error instanceof TransportError)) {
    return new CacheError(
      'INTERNAL',
      `memcached cache ${operation} failed unexpectedly: ${describeError(error)}`,
      {
        operation,
        backend,
        cause: error,
      },
    );
  }
  const at = `memcached at ${error.address}`;
  const options = { operation, backend, cause: error };
  switch (error.failure) {
    case 'closed':
      return new CacheError(
        'CLOSED',
        `memcached cache is closed; ${operation}() cannot run after close()`,
        options,
      );
    case 'timeout':
      return new CacheError(
        'TIMEOUT',
        `${at} did not answer ${operation} within operationTimeoutMs (${timeoutMs} ms); is it overloaded, paused or unreachable?`,
        options,
      );
    case 'auth':
      return new CacheError(
        'UNAUTHORIZED',
        `${at} rejected the SASL credentials; check the username and password in the config (and that memcached runs with -S and knows the user)`,
        { ...options, retryable: false },
      );
    case 'connection':
    case 'stale':
      return new CacheError(
        'CONNECTION',
        `${at} is unreachable (${error.message}); is memcached running there? Only keys on this server fail`,
        options,
      );
    default:
      return statusToError(error, at, operation);
  }
}

function statusToError(error: TransportError, at: string, operation: string): CacheError {
  const options = { operation, backend, cause: error };
  switch (error.status) {
    case Status.VALUE_TOO_LARGE:
      return new CacheError(
        'VALUE_TOO_LARGE',
        `${at} refused the value as larger than its item size; start memcached with a larger -I or set maxValueBytes lower so this is caught before sending`,
        options,
      );
    case Status.OUT_OF_MEMORY:
      return new CacheError('CAPACITY_EXCEEDED', `${at} is out of memory (raise -m)`, options);
    case Status.AUTH_ERROR:
    case Status.AUTH_CONTINUE:
      return new CacheError(
        'UNAUTHORIZED',
        `${at} requires SASL authentication; set username and password in the config`,
        { ...options, retryable: false },
      );
    default:
      return new CacheError('PROTOCOL', error.message, options);
  }
}
