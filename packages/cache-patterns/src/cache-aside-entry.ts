import type { CacheService, Codec } from '@pywatt/cache-core';
import { decodeCachedError } from './internal/cached-error.js';
import {
  DELTA_MS,
  ENVELOPE_VERSION,
  EntryKind,
  encodeEnvelope,
  FRESH_UNTIL,
  HEADER_BYTES,
  hasEnvelope,
  readHeaderNumber,
  STALE_UNTIL,
} from './internal/envelope.js';

/** Nothing usable: load. */
export const MISS = 0;
/** A fresh value: serve it. */
export const FRESH = 1;
/** A stale value, or one due for early refresh: serve it, and refresh in the background. */
export const REFRESH = 2;
/** What {@link decodeEntry} returns for bytes the codec cannot read. */
export const UNDECODABLE: unique symbol = Symbol('undecodable');

/** A read that found something usable. `refresh` means: serve it, but refresh. */
export interface Found<T> {
  value: T;
  refresh: boolean;
}

/** The XFetch (probabilistic early refresh) settings. */
export interface EarlyRefresh {
  readonly earlyRefresh: boolean;
  readonly beta: number;
  readonly random: () => number;
}

/**
 * MISS, FRESH or REFRESH (stale within `staleMs`, or due for XFetch early
 * refresh); throws a negatively cached loader error while it lasts. Plain
 * codec bytes written by others count as fresh.
 */
export function classifyEntry(bytes: Uint8Array, now: number, xfetch: EarlyRefresh): number {
  if (!hasEnvelope(bytes)) return FRESH; // plain codec bytes written by others
  if (bytes[4] !== ENVELOPE_VERSION) return MISS;
  const freshUntil = readHeaderNumber(bytes, FRESH_UNTIL);
  if (bytes[5] === EntryKind.ERROR) {
    if (now >= freshUntil) return MISS;
    throw decodeCachedError(bytes.subarray(HEADER_BYTES), freshUntil);
  }
  if (bytes[5] !== EntryKind.VALUE) return MISS;
  if (now < freshUntil) {
    if (!xfetch.earlyRefresh) return FRESH;
    const deltaMs = readHeaderNumber(bytes, DELTA_MS);
    return deltaMs > 0 && now - deltaMs * xfetch.beta * Math.log(xfetch.random()) >= freshUntil
      ? REFRESH
      : FRESH;
  }
  return now < readHeaderNumber(bytes, STALE_UNTIL) ? REFRESH : MISS;
}

/** The value, or UNDECODABLE (old format, other codec): then a miss, reloaded and overwritten. */
export function decodeEntry<T>(codec: Codec<T>, bytes: Uint8Array): T | typeof UNDECODABLE {
  try {
    return codec.decode(
      bytes[0] === 0 && hasEnvelope(bytes) ? bytes.subarray(HEADER_BYTES) : bytes,
    );
  } catch {
    return UNDECODABLE;
  }
}

/**
 * Stores `payload` in its envelope: fresh for `freshMs` from now, then stale
 * for `staleMs`; `deltaMs` (how long the load took) feeds XFetch.
 */
export async function storeEntry(
  cache: CacheService,
  key: string,
  kind: number,
  payload: Uint8Array,
  deltaMs: number,
  freshMs: number,
  staleMs: number,
): Promise<void> {
  const now = Date.now();
  const freshUntil = now + freshMs;
  const staleUntil = freshUntil + staleMs;
  const bytes = encodeEnvelope(kind, freshUntil, staleUntil, deltaMs, payload);
  await cache.set(key, bytes, { ttlMs: freshMs + staleMs });
}
