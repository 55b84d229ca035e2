import type { Cluster, Redis } from 'ioredis';
import { groupBySlot } from './slots.js';

/** Keys UNLINKed per command, and SCAN's COUNT hint. */
const BATCH = 500;

/** Escapes Redis glob characters so that `text` matches only itself in SCAN MATCH. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\^-]/g, '\\$&');
}

/**
 * Removes every key that starts with `fullPrefix` from one server (a single
 * node, or one master of a Cluster) with SCAN MATCH and UNLINK in batches,
 * keeping keys that `keep` selects. Never KEYS, FLUSHDB or FLUSHALL.
 * In Cluster mode, each UNLINK holds keys of one hash slot only.
 */
export async function clearNode(
  node: Redis,
  fullPrefix: string,
  keep: (key: Buffer) => boolean,
  clusterMode: boolean,
): Promise<void> {
  const pattern = `${escapeGlob(fullPrefix)}*`;
  let cursor = '0';
  do {
    const [next, keys] = await node.scanBuffer(cursor, 'MATCH', pattern, 'COUNT', BATCH);
    cursor = next.toString();
    const doomed = keys.filter((key) => !keep(key));
    for (let i = 0; i < doomed.length; i += BATCH) {
      const batch = doomed.slice(i, i + BATCH);
      if (!clusterMode) {
        await node.unlink(...batch);
        continue;
      }
      await Promise.all(
        [...groupBySlot(batch).values()].map((indexes) =>
          node.unlink(...indexes.map((j) => batch[j] as Buffer)),
        ),
      );
    }
  } while (cursor !== '0');
}

/** The servers holding data: the client itself, or every master of a Cluster. */
export function dataNodes(client: Redis | Cluster): Redis[] {
  return client.isCluster ? (client as Cluster).nodes('master') : [client as Redis];
}
