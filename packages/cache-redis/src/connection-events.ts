import type { CacheEventSource, CacheEvents } from '@pywatt/cache-core';
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
  let up = client.status === 'ready';
  let lostAtMs = 0;
  const onReady = (): void => {
    const wasLost = !up && lostAtMs > 0;
    up = true;
    if (wasLost && events.wants('connectionRestored'))
      events.emit('connectionRestored', { ...source, downMs: Date.now() - lostAtMs });
  };
  const onClose = (): void => {
    if (!up || isClosing()) return;
    up = false;
    lostAtMs = Date.now();
    if (events.wants('connectionLost')) events.emit('connectionLost', { ...source });
  };
  client.on('ready', onReady);
  client.on('close', onClose);
  return () => {
    client.off('ready', onReady);
    client.off('close', onClose);
  };
}
