import { createConnection } from 'node:net';
import { CacheError } from '@pywatt/cache-core';
import { deleteManyQuiet } from './batch-write.js';
import { getItem, type Located, outcome } from './item-access.js';
import { EMPTY, Op, Status } from './protocol.js';
import type { ServerConnection } from './server-connection.js';
import { TransportError } from './transport-error.js';
import { isSharedPrefix } from './wire-keys.js';

/**
 * Interop mode (`interop: true`): the wire key is the namespaced key, flags
 * are 0 and memcached keeps the expiry, so other memcached clients share the
 * items. What that costs lives here: counters that keep their expiry, and a
 * clear that has to list keys.
 */

const CANONICAL = /^(?:0|[1-9][0-9]{0,15})$/;
// memcached's INCREMENT extras: delta, initial value, and this expiration (do not create).
const NO_CREATE = 0xffffffff;

function incrementExtras(delta: number): Buffer {
  const extras = Buffer.alloc(20);
  extras.writeBigUInt64BE(BigInt(delta), 0);
  extras.writeUInt32BE(NO_CREATE, 16);
  return extras;
}

/**
 * Adds a positive `delta` with memcached's own INCREMENT, which keeps the
 * item's expiry (memcached cannot report it, so a rewrite could not), when
 * the stored value is a canonical decimal and the result stays a safe
 * integer. Resolves undefined when it cannot (missing key, negative delta
 * or value, anything else): the caller then uses its compare-and-swap loop.
 */
export async function incrementInPlace(at: Located, delta: number): Promise<number | undefined> {
  if (!(delta > 0)) return undefined;
  const read = await getItem(at);
  if (!outcome(at, read, 'increment', [Status.KEY_NOT_FOUND])) return undefined;
  const text = read.val.toString('latin1');
  if (!CANONICAL.test(text) || !Number.isSafeInteger(Number(text) + delta)) return undefined;
  const r = await at.server.request(Op.INCREMENT, at.key, incrementExtras(delta), EMPTY, {
    session: at.session,
  });
  // Deleted or rewritten since the read: the caller's loop sorts it out.
  if (!outcome(at, r, 'increment', [Status.KEY_NOT_FOUND, Status.DELTA_BADVAL])) return undefined;
  const next = r.val.readBigUInt64BE(0);
  if (next <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(next);
  // Another client pushed it past 2^53 − 1 between the read and the increment: take ours back.
  await at.server.request(Op.DECREMENT, at.key, incrementExtras(delta), EMPTY);
  return undefined;
}

// A lock's wire key (see internalWireKey): clear keeps locks.
const LOCK_KEY = /^\$[A-Za-z0-9_-]{43}$/;

/**
 * `clear(prefix)` in interop mode: lists every key of every server with
 * `lru_crawler metadump all` and deletes those under `fullPrefix` in quiet
 * batches, until two listings in a row find none. O(items on the servers),
 * not atomic: a key written while it runs may survive. Rejects with UNSUPPORTED for a prefix that is not plain
 * printable ASCII of at most 200 bytes, and when a server refuses the
 * listing (SASL servers speak no text protocol; `-o no_lru_crawler`).
 */
export async function clearShared(
  servers: readonly ServerConnection[],
  fullPrefix: string,
  timeoutMs: number,
): Promise<void> {
  if (!isSharedPrefix(fullPrefix))
    throw new CacheError(
      'UNSUPPORTED',
      'memcached interop mode can clear only prefixes of printable ASCII up to 200 bytes (namespace included)',
      { operation: 'clear', backend: 'memcached' },
    );
  await Promise.all(servers.map((server) => clearServer(server, fullPrefix, timeoutMs)));
}

// A listing skips the slab classes memcached's own LRU crawler is busy with at that moment, so
// clear lists again until two listings in a row find nothing under the prefix.
const QUIET_LISTINGS = 2;
const MAX_LISTINGS = 10;

async function clearServer(
  server: ServerConnection,
  fullPrefix: string,
  timeoutMs: number,
): Promise<void> {
  let quiet = 0;
  for (let listing = 0; listing < MAX_LISTINGS && quiet < QUIET_LISTINGS; listing++) {
    const keys = (await dumpKeysPatiently(server, timeoutMs)).filter(
      (k) => k.startsWith(fullPrefix) && !LOCK_KEY.test(k),
    );
    quiet = keys.length === 0 ? quiet + 1 : 0;
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000).map((k) => ({ server, key: Buffer.from(k, 'latin1') }));
      await deleteManyQuiet(batch);
    }
  }
}

const BUSY = 'busy';

/** {@link dumpKeys}, again while another listing (of any client) keeps the crawler busy. */
async function dumpKeysPatiently(server: ServerConnection, timeoutMs: number): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await dumpKeys(server, timeoutMs);
    } catch (error) {
      if (error !== BUSY) throw error;
      if (attempt >= 100)
        throw new TransportError('timeout', server.address, 'lru_crawler stayed busy');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** Every key memcached at `server` holds, through the text protocol's `lru_crawler metadump all`. */
function dumpKeys(server: ServerConnection, timeoutMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: server.host, port: server.port });
    const chunks: Buffer[] = [];
    const fail = (message: string, failure: 'connection' | 'timeout' | 'status') => {
      socket.destroy();
      reject(
        failure === 'status'
          ? new CacheError('UNSUPPORTED', `memcached at ${server.address} ${message}`, {
              operation: 'clear',
              backend: 'memcached',
            })
          : new TransportError(failure, server.address, message),
      );
    };
    socket.setTimeout(timeoutMs, () => fail('did not finish listing its keys in time', 'timeout'));
    socket.once('error', (error) => fail(error.message, 'connection'));
    socket.once('connect', () => socket.write('lru_crawler metadump all\r\n'));
    // A SASL server (-S) speaks only the binary protocol: it hangs up on a text command.
    socket.once('end', () =>
      fail(
        'closed the connection on a text command (a SASL server speaks only the binary protocol); clear in interop mode needs lru_crawler metadump',
        'status',
      ),
    );
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const tail = Buffer.concat(chunks.slice(-2)).toString('latin1');
      if (/(?:^|\n)END\r\n$/.test(tail)) {
        socket.destroy();
        const text = Buffer.concat(chunks).toString('latin1');
        resolve(
          text
            .split('\n')
            .filter((line) => line.startsWith('key='))
            .map((line) => decodeURIComponent((line.split(' ')[0] as string).slice(4))),
        );
      } else if (tail.startsWith('BUSY')) {
        socket.destroy();
        reject(BUSY);
      } else if (/^(?:ERROR|CLIENT_ERROR|SERVER_ERROR)/.test(tail)) {
        fail(
          `refused to list its keys (${tail.trim()}); clear in interop mode needs lru_crawler metadump`,
          'status',
        );
      }
    });
  });
}
