import { CacheError, CacheType, type StatsCounters } from '@pywatt/cache-core';
import { addToStoredInteger, encodeStoredInteger } from '@pywatt/cache-core/store';
import { expiryFromFlags, type WireExpiry } from './expiry.js';
import { incrementInPlace } from './interop.js';
import {
  expiryFor,
  getItem,
  isLive,
  isPast,
  type Located,
  outcome,
  writeItem,
} from './item-access.js';
import { Op, type RawResponse, responseFlags, Status } from './protocol.js';

// A compare-and-swap loop gives up (TIMEOUT) after this many lost races.
const MAX_CAS_ATTEMPTS = 1000;

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Stores `value` only where nothing live is: ADD, and when memcached still
 * holds an entry whose flags say it expired, a CAS-guarded SET over exactly
 * that entry. True if it stored.
 */
export async function addUnlessLive(
  at: Located,
  value: Uint8Array,
  expiry: WireExpiry,
): Promise<boolean> {
  for (let round = 0; round < 10; round++) {
    const added = await writeItem(at, Op.ADD, value, expiry);
    if (outcome(at, added, 'add', [Status.KEY_EXISTS, Status.NOT_STORED])) return true;
    const read = await getItem(at);
    if (!outcome(at, read, 'get', [Status.KEY_NOT_FOUND])) continue;
    if (!isPast(at, read)) return false;
    if (await casSet(at, value, expiry, read.header.cas)) return true;
  }
  return false;
}

/** ADD when nothing was found, else a SET guarded by the CAS value read; false when another writer came first. */
export async function swap(
  at: Located,
  found: RawResponse | undefined,
  value: Uint8Array,
  expiry: WireExpiry,
): Promise<boolean> {
  if (found === undefined) {
    const r = await writeItem(at, Op.ADD, value, expiry);
    return outcome(at, r, 'add', [Status.KEY_EXISTS, Status.NOT_STORED]);
  }
  return casSet(at, value, expiry, found.header.cas);
}

/** A SET guarded by `cas`; false when the item changed or went away since it was read. */
export async function casSet(
  at: Located,
  value: Uint8Array,
  expiry: WireExpiry,
  cas: Buffer,
): Promise<boolean> {
  const r = await writeItem(at, Op.SET, value, expiry, cas);
  return outcome(at, r, 'cas', [Status.KEY_EXISTS, Status.KEY_NOT_FOUND]);
}

/**
 * Reads the item with its CAS value and runs `attempt` with it (and whether
 * it is live, not merely not yet freed by memcached); `attempt` writes
 * through {@link swap} and resolves undefined when another writer won the
 * race; then it reads again, backing off a little more each time.
 * @throws CacheError TIMEOUT after {@link MAX_CAS_ATTEMPTS} lost races.
 */
export async function casLoop<T>(
  at: Located,
  what: string,
  attempt: (found: RawResponse | undefined, live: boolean) => Promise<{ result: T } | undefined>,
): Promise<T> {
  for (let round = 0; round < MAX_CAS_ATTEMPTS; round++) {
    const read = await getItem(at);
    const found = outcome(at, read, what, [Status.KEY_NOT_FOUND]) ? read : undefined;
    const live = found !== undefined && !isPast(at, found);
    const done = await attempt(found, live);
    if (done !== undefined) return done.result;
    if (round > 0) await pause(Math.random() * Math.min(2 ** round, 25));
  }
  throw new CacheError(
    'TIMEOUT',
    `${what} lost ${MAX_CAS_ATTEMPTS} compare-and-swap races in a row on ${at.server.address}; too many concurrent writers of one key`,
    { operation: what, backend: CacheType.MEMCACHED },
  );
}

/**
 * Adds `delta` to the counter at `at` through a compare-and-swap loop; a
 * live counter keeps its expiry (read back from the flags every write of this
 * backend sets), a new one gets `newKeyTtlMs`. A shared (interop) counter
 * goes through memcached's INCREMENT when it can, since its expiry cannot be
 * read back; otherwise it is rewritten with `newKeyTtlMs`.
 */
export async function incrementAt(
  at: Located,
  delta: number,
  newKeyTtlMs: number,
  key: string,
): Promise<number> {
  if (at.shared === true) {
    const done = await incrementInPlace(at, delta);
    if (done !== undefined) return done;
  }
  return casLoop(at, 'increment', async (found, live) => {
    const next = addToStoredInteger(live ? found?.val : undefined, delta, key, CacheType.MEMCACHED);
    const expiry =
      live && found !== undefined && at.shared !== true
        ? expiryFromFlags(responseFlags(found), Date.now())
        : expiryFor(at, newKeyTtlMs);
    const stored = await swap(at, found, encodeStoredInteger(next), expiry);
    return stored ? { result: next } : undefined;
  });
}

/** The CAS value of the lock item when it holds `token`, else undefined. */
export async function heldCas(
  at: Located,
  token: string,
  counters: StatsCounters,
): Promise<Buffer | undefined> {
  const read = await getItem(at);
  if (!isLive(at, read, 'get', counters)) return undefined;
  return read.val.toString('utf8') === token ? read.header.cas : undefined;
}
