import type { StatsCounters } from '@pywatt/cache-core';
import { isLive, type Located } from './item-access.js';
import { EMPTY, Op, type RawResponse, Status } from './protocol.js';
import type { ServerConnection } from './server-connection.js';
import { statusError } from './transport-error.js';

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
      const keys = indexes.map((i) => (located[i] as Located).key);
      const answers: RawResponse[] = [];
      await server.batch(Op.GETKQ, keys, EMPTY, undefined, session, (r) => answers.push(r));
      // Hits come back in request order and carry their key.
      let next = 0;
      for (const answer of answers) {
        if (answer.header.status !== Status.OK)
          throw statusError(server, answer.header.status, 'getMany');
        while (next < keys.length && !(keys[next] as Buffer).equals(answer.key)) next++;
        if (next === keys.length) break;
        const index = indexes[next++] as number;
        if (isLive(located[index] as Located, answer, 'getMany', counters))
          values[index] = new Uint8Array(answer.val);
      }
    }),
  );
  return values;
}
