import type { CacheService, Codec } from '@pywatt/cache-core';
import { NOT_FOUND, type NotFound } from './cache-aside-options.js';
import { decodeCachedError } from './internal/cached-error.js';
import {
  DELTA_MS,
  ENVELOPE_VERSION,
  EntryKind,
  encodeEnvelope,
  FRESH_UNTIL,
  GRACE_UNTIL,
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
/** A value in grace: refresh in the foreground, and serve it only if the refresh fails. */
export const GRACE = 3;
/** What {@link decodeEntry} returns for bytes the codec cannot read. */
export const UNDECODABLE: unique symbol = Symbol('undecodable');

/** A read that found something usable. `refresh` means: serve it, but refresh. */
export interface Found<T> {
  value: T | NotFound;
  refresh: boolean;
}

/** The XFetch (probabilistic early refresh) settings. */
export interface EarlyRefresh {
  readonly earlyRefresh: boolean;
  readonly beta: number;
  readonly random: () => number;
}

/**
 * MISS, FRESH, REFRESH (stale within `staleMs`, or due for XFetch early
 * refresh) or GRACE; throws a negatively cached loader error while it lasts. A
 * cached "not found" is FRESH while it lasts. Plain codec bytes written by
 * others count as fresh.
 */
export function classifyEntry(bytes: Uint8Array, now: number, xfetch: EarlyRefresh): number {
  if (!hasEnvelope(bytes)) return FRESH; // plain codec bytes written by others
  if (bytes[4] !== ENVELOPE_VERSION) return MISS;
  const freshUntil = readHeaderNumber(bytes, FRESH_UNTIL);
  if (bytes[5] === EntryKind.ERROR) {
    if (now >= freshUntil) return MISS;
    throw decodeCachedError(bytes.subarray(HEADER_BYTES), freshUntil);
  }
  if (bytes[5] === EntryKind.NOT_FOUND) return now < freshUntil ? FRESH : MISS;
  if (bytes[5] !== EntryKind.VALUE) return MISS;
  if (now < freshUntil) {
    if (!xfetch.earlyRefresh) return FRESH;
    const deltaMs = readHeaderNumber(bytes, DELTA_MS);
    return deltaMs > 0 && now - deltaMs * xfetch.beta * Math.log(xfetch.random()) >= freshUntil
      ? REFRESH
      : FRESH;
  }
  if (now < readHeaderNumber(bytes, STALE_UNTIL)) return REFRESH;
  return now < readHeaderNumber(bytes, GRACE_UNTIL) ? GRACE : MISS;
}

/**
 * The value (NOT_FOUND for a cached "not found"), or UNDECODABLE (other codec):
 * then a miss, reloaded and overwritten.
 */
export function decodeEntry<T>(
  codec: Codec<T>,
  bytes: Uint8Array,
): T | NotFound | typeof UNDECODABLE {
  if (bytes[0] === 0 && bytes[5] === EntryKind.NOT_FOUND && hasEnvelope(bytes)) return NOT_FOUND;
  try {
    return codec.decode(
      bytes[0] === 0 && hasEnvelope(bytes) ? bytes.subarray(HEADER_BYTES) : bytes,
    );
  } catch {
    return UNDECODABLE;
  }
}

/** How long an entry lives: fresh, then stale-while-revalidate, then grace (ms). */
export interface EntryWindows {
  readonly freshMs: number;
  readonly staleMs: number;
  readonly graceMs: number;
}

/**
 * Stores `payload` in its envelope: fresh for `freshMs` from now, then stale
 * for `staleMs`, then in grace for `graceMs`; the backend keeps it until grace
 * ends. `deltaMs` (how long the load took) feeds XFetch.
 */
export async function storeEntry(
  cache: CacheService,
  key: string,
  kind: number,
  payload: Uint8Array,
  deltaMs: number,
  windows: EntryWindows,
): Promise<void> {
  const now = Date.now();
  const freshUntil = now + windows.freshMs;
  const staleUntil = freshUntil + windows.staleMs;
  const graceUntil = staleUntil + windows.graceMs;
  const bytes = encodeEnvelope(kind, freshUntil, staleUntil, graceUntil, deltaMs, payload);
  await cache.set(key, bytes, { ttlMs: windows.freshMs + windows.staleMs + windows.graceMs });
}
