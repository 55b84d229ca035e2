/** How a request to one server failed, before it is mapped to a CacheError. */
export type TransportFailure = 'connection' | 'timeout' | 'auth' | 'closed' | 'status' | 'stale';

/**
 * A failure of one request to one server. `wrapError` in the cache turns it
 * into a CacheError with the right code; it never carries credentials.
 */
export class TransportError extends Error {
  readonly failure: TransportFailure;
  /** `host:port` of the server. */
  readonly address: string;
  /** The binary-protocol status, for `status` failures. */
  readonly status: number | undefined;

  constructor(
    failure: TransportFailure,
    address: string,
    message: string,
    options: { status?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TransportError';
    this.failure = failure;
    this.address = address;
    this.status = options.status;
  }
}

/** True for a request refused unsent because the server reconnected since its key was addressed. */
export const isStale = (error: unknown): boolean =>
  error instanceof TransportError && error.failure === 'stale';

/** Classifies what memjs reports (an Error, or the bare string it uses for SASL failures). */
export function fromDriverError(error: unknown, address: string): TransportError {
  if (error instanceof TransportError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/authentication failed/i.test(message)) return new TransportError('auth', address, message);
  if (/timed out/i.test(message))
    return new TransportError('timeout', address, message, { cause: error });
  return new TransportError('connection', address, message, { cause: error });
}

/** A response status this backend did not expect, from the server at `server.address`. */
export function statusError(
  server: { readonly address: string },
  status: number,
  what: string,
): TransportError {
  return new TransportError(
    'status',
    server.address,
    `memcached at ${server.address} answered status 0x${status.toString(16)} when asked to ${what}`,
    { status },
  );
}
