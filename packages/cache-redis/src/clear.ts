import type { Send } from './dispatch.js';
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
  send: Send,
  fullPrefix: string,
  keep: (key: Buffer) => boolean,
  clusterMode: boolean,
): Promise<void> {
  const pattern = `${escapeGlob(fullPrefix)}*`;
  let cursor = '0';
  do {
    const [next, keys] = await send<[Buffer, Buffer[]]>(
      'scan',
      [cursor, 'MATCH', pattern, 'COUNT', BATCH],
      null,
    );
    cursor = next.toString();
    const doomed = keys.filter((key) => !keep(key));
    for (let i = 0; i < doomed.length; i += BATCH) {
      const batch = doomed.slice(i, i + BATCH);
      if (!clusterMode) {
        await send('unlink', batch, 'utf8');
        continue;
      }
      await Promise.all(
        [...groupBySlot(batch).values()].map((indexes) =>
          send(
            'unlink',
            indexes.map((j) => batch[j] as Buffer),
            'utf8',
          ),
        ),
      );
    }
  } while (cursor !== '0');
}
