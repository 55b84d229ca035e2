import { type CacheType, jsonCodec } from '@pywatt/cache-core';
import { decodeWith, deepFreeze } from '@pywatt/cache-core/store';
import type { L1Entry } from './l1-store.js';

/** `bytes` decoded as JSON (prototype-pollution safe) and deep-frozen. */
export function decodeFrozen(bytes: Uint8Array, backend: CacheType): unknown {
  return deepFreeze(decodeWith(jsonCodec, bytes, 'getJson', backend));
}

/**
 * The entry's value as frozen JSON, decoded once per L1 entry: later hits hand
 * out the same frozen object. Throws the codec's CacheError for bytes that are
 * not JSON (and remembers nothing then).
 */
export function entryJson(entry: L1Entry, backend: CacheType): unknown {
  // JSON.parse never yields undefined, so undefined means "not decoded yet".
  entry.decoded ??= decodeFrozen(entry.value, backend);
  return entry.decoded;
}
