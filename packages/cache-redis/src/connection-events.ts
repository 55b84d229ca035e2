import type { CacheEventSource, CacheEvents } from '@pywatt/cache-core';
import { ConnectionEvents } from '@pywatt/cache-core/store';
import type { Cluster, Redis } from 'ioredis';

/**
 * Emits `connectionLost` when a ready client's connection closes and
 * `connectionRestored` (with the time it was down) when it is ready again.
 * `isClosing` silences the close that `cache.close()` itself causes.
 * Returns the function that stops watching.
 */
export function watchConnection(
  client: Redis | Cluster,
  events: CacheEvents,
  source: CacheEventSource & { endpoint: string },
  isClosing: () => boolean,
): () => void {
  const state = new ConnectionEvents(events, source, client.status === 'ready');
  const onReady = (): void => state.ready();
  const onClose = (): void => {
    if (!isClosing()) state.closed();
  };
  client.on('ready', onReady);
  client.on('close', onClose);
  return () => {
    client.off('ready', onReady);
    client.off('close', onClose);
  };
}
