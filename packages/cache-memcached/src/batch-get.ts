import type { StatsCounters } from '@pywatt/cache-core';
import { isLive, type Located } from './item-access.js';
import { Op } from './protocol.js';
import type { ServerConnection } from './server-connection.js';

/** The items of one server in a batch: their indexes, and the session they were addressed on. */
export interface ServerGroup {
  indexes: number[];
  /** The common session of the group's keys; -1 (refused as stale) when they differ. */
  session: number | undefined;
}

/** The indexes into `located` of each server's items, servers in first-seen order. */
export function groupByServer(located: readonly Located[]): Map<ServerConnection, ServerGroup> {
  const groups = new Map<ServerConnection, ServerGroup>();
  located.forEach((at, i) => {
    const group = groups.get(at.server);
    if (group === undefined) groups.set(at.server, { indexes: [i], session: at.session });
    else {
      group.indexes.push(i);
      if (group.session !== at.session) group.session = -1;
    }
  });
  return groups;
}

/**
 * Reads many located items with one pipelined batch of quiet GETKQ + NOOP per
 * server, in parallel. Returns the live values in the order of `located`,
 * undefined where an item is missing or expired (counted in `counters.expirations`).
 */
export async function getManyLive(
  located: readonly Located[],
  counters: StatsCounters,
): Promise<Array<Uint8Array | undefined>> {
  const values: Array<Uint8Array | undefined> = new Array(located.length).fill(undefined);
  await Promise.all(
    [...groupByServer(located)].map(async ([server, { indexes, session }]) => {
      const requests = indexes.map((i) => ({ opcode: Op.GETKQ, key: (located[i] as Located).key }));
      const responses = await server.batch(requests, session);
      responses.forEach((response, j) => {
        if (response === undefined) return;
        const at = located[indexes[j] as number] as Located;
        if (isLive(at, response, 'getMany', counters))
          values[indexes[j] as number] = new Uint8Array(response.val);
      });
    }),
  );
  return values;
}
