import type { StatsCounters } from '@pywatt/cache-core';
import { isExpired, type WireExpiry } from './expiry.js';
import { EMPTY, Op, type RawResponse, responseFlags, Status, storageExtras } from './protocol.js';
import type { ServerConnection } from './server-connection.js';
import { statusError } from './transport-error.js';

/** Where one key lives: its server and its memcached key. */
export interface Located {
  server: ServerConnection;
  key: Buffer;
}

/** GETs the item (with its CAS value); safe to retry. */
export function getItem(at: Located): Promise<RawResponse> {
  return at.server.request(Op.GET, at.key, EMPTY, EMPTY, { idempotent: true });
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
  if (!isExpired(responseFlags(response), Date.now())) return true;
  counters.expirations++;
  return false;
}
