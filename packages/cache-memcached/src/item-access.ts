import type { StatsCounters } from '@pywatt/cache-core';
import { expiryForTtl, isExpired, sharedExpiry, type WireExpiry } from './expiry.js';
import { EMPTY, Op, type RawResponse, responseFlags, Status, storageExtras } from './protocol.js';
import type { ServerConnection } from './server-connection.js';
import { statusError } from './transport-error.js';

/** Where one key lives: its server and its memcached key. */
export interface Located {
  server: ServerConnection;
  key: Buffer;
  /** The connection session the key was addressed on (its generation tokens were read on). */
  session?: number | undefined;
  /** Interop mode: an item other clients share, flags 0 and memcached's own expiry. */
  shared?: boolean;
}

/** GETs the item (with its CAS value); safe to retry. */
export function getItem(at: Located): Promise<RawResponse> {
  return at.server.request(Op.GET, at.key, EMPTY, EMPTY, {
    idempotent: true,
    session: at.session,
  });
}

/** What a write of the item with `ttlMs` sends. */
export function expiryFor(at: Located, ttlMs: number): WireExpiry {
  return at.shared === true ? sharedExpiry(ttlMs, Date.now()) : expiryForTtl(ttlMs, Date.now());
}

/** True when a found item is past its deadline (never for shared items: memcached decides). */
export function isPast(at: Located, response: RawResponse): boolean {
  return at.shared !== true && isExpired(responseFlags(response), Date.now());
}

/** A storage command (`op`: SET, ADD, …) for the item, CAS-guarded when `cas` is given. */
export function writeItem(
  at: Located,
  op: number,
  value: Uint8Array,
  expiry: WireExpiry,
  cas?: Buffer,
  idempotent = false,
): Promise<RawResponse> {
  return at.server.request(op, at.key, storageExtras(expiry.flags, expiry.exptime), value, {
    cas,
    idempotent,
    session: at.session,
  });
}

/** Status OK → true; the expected "lost" statuses → false; anything else throws. */
export function outcome(
  at: Located,
  response: RawResponse,
  what: string,
  lost: readonly number[],
): boolean {
  const status = response.header.status;
  if (status === Status.OK) return true;
  if (lost.includes(status)) return false;
  throw statusError(at.server, status, what);
}

/**
 * A found, unexpired item (memcached frees expired ones a little late; see
 * expiry.ts). An expired one found is counted in `counters.expirations`.
 */
export function isLive(
  at: Located,
  response: RawResponse,
  what: string,
  counters: StatsCounters,
): boolean {
  if (!outcome(at, response, what, [Status.KEY_NOT_FOUND])) return false;
  if (!isPast(at, response)) return true;
  counters.expirations++;
  return false;
}
