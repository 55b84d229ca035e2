import type { StatsCounters } from '@pywatt/cache-core';
import { isLive, type Located } from './item-access.js';
import type { ServerConnection } from './server-connection.js';

/**
 * Reads many located items with one pipelined batch per server, in parallel.
 * Returns the live values in the order of `located`, undefined where an item
 * is missing or expired (counted in `counters.expirations`).
 */
export async function getManyLive(
  located: readonly Located[],
  counters: StatsCounters,
): Promise<Array<Uint8Array | undefined>> {
  const values: Array<Uint8Array | undefined> = new Array(located.length).fill(undefined);
  await Promise.all(
    [...groupByServer(located)].map(async ([server, indexes]) => {
      const responses = await server.getMany(indexes.map((i) => (located[i] as Located).key));
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

/** The indexes into `located` of each server's items, servers in first-seen order. */
function groupByServer(located: readonly Located[]): Map<ServerConnection, number[]> {
  const groups = new Map<ServerConnection, number[]>();
  located.forEach((at, i) => {
    const group = groups.get(at.server);
    if (group === undefined) groups.set(at.server, [i]);
    else group.push(i);
  });
  return groups;
}
