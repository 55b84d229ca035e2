import { describeError, stringCodec } from '@pywatt/cache-core';
import { CachedLoaderError } from '../cache-aside-options.js';

/** The payload of a negatively cached failure: UTF-8 JSON `{name, message}`. */
export function encodeCachedError(error: unknown): Uint8Array {
  return stringCodec.encode(
    JSON.stringify({
      name: error instanceof Error ? error.name : 'Error',
      message: describeError(error),
    }),
  );
}

/** The error a read rejects with while a failure is negatively cached. */
export function decodeCachedError(payload: Uint8Array, cachedUntil: number): CachedLoaderError {
  let name = 'Error';
  let message = 'the last load failed';
  try {
    const parsed = JSON.parse(stringCodec.decode(payload)) as { name?: unknown; message?: unknown };
    if (typeof parsed.name === 'string') name = parsed.name;
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // keep the generic text
  }
  return new CachedLoaderError(name, message, cachedUntil);
}
