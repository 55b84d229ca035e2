import { groupByServer } from './batch-get.js';
import { expiryFor, type Located } from './item-access.js';
import { EMPTY, Op, type RawResponse, Status, storageExtras } from './protocol.js';
import { statusError } from './transport-error.js';

/**
 * Writes many located items with one pipelined batch of quiet SETQ + NOOP per
 * server, in parallel: one write and one answer per server instead of one
 * round trip per key. Rejects with the first failure a server reported
 * (the other items of the batch are stored).
 */
export async function setManyQuiet(
  located: readonly Located[],
  values: ReadonlyArray<Uint8Array>,
  ttlMs: number,
): Promise<void> {
  if (located.length === 0) return;
  const expiry = expiryFor(located[0] as Located, ttlMs);
  const extras = storageExtras(expiry.flags, expiry.exptime);
  await Promise.all(
    [...groupByServer(located)].map(async ([server, { indexes, session }]) => {
      const keys = indexes.map((i) => (located[i] as Located).key);
      const mine = indexes.map((i) => values[i] as Uint8Array);
      let failed: RawResponse | undefined;
      await server.batch(Op.SETQ, keys, extras, mine, session, (r) => {
        failed ??= r;
      });
      if (failed !== undefined) throw statusError(server, failed.header.status, 'set');
    }),
  );
}

/**
 * Deletes many located items with one pipelined batch of quiet DELETEQ + NOOP
 * per server, in parallel; memcached answers only the keys it did not find
 * (or failed on). Resolves with how many it removed.
 */
export async function deleteManyQuiet(located: readonly Located[]): Promise<number> {
  const removed = await Promise.all(
    [...groupByServer(located)].map(async ([server, { indexes, session }]) => {
      const keys = indexes.map((i) => (located[i] as Located).key);
      let missing = 0;
      let failed: RawResponse | undefined;
      await server.batch(Op.DELETEQ, keys, EMPTY, undefined, session, (r) => {
        if (r.header.status === Status.KEY_NOT_FOUND) missing++;
        else failed ??= r;
      });
      if (failed !== undefined) throw statusError(server, failed.header.status, 'delete');
      return keys.length - missing;
    }),
  );
  return removed.reduce((sum, n) => sum + n, 0);
}
