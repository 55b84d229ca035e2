import { groupByServer } from './batch-get.js';
import { statusError } from './generations.js';
import { expiryFor, type Located } from './item-access.js';
import { Op, Status, storageExtras } from './protocol.js';

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
      const requests = indexes.map((i) => ({
        opcode: Op.SETQ,
        key: (located[i] as Located).key,
        extras,
        value: values[i] as Uint8Array,
      }));
      const failures = await server.batch(requests, session);
      const failed = failures.find((r) => r !== undefined);
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
      const requests = indexes.map((i) => ({
        opcode: Op.DELETEQ,
        key: (located[i] as Located).key,
      }));
      const answers = await server.batch(requests, session);
      let count = 0;
      for (const answer of answers) {
        if (answer === undefined) count++;
        else if (answer.header.status !== Status.KEY_NOT_FOUND)
          throw statusError(server, answer.header.status, 'delete');
      }
      return count;
    }),
  );
  return removed.reduce((sum, n) => sum + n, 0);
}
