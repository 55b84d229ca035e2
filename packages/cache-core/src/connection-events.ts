import type { CacheEventSource, CacheEvents } from './observability.js';

/** Where a connection goes: the event source plus the endpoint, without credentials. */
export interface ConnectionSource extends CacheEventSource {
  /** e.g. `redis at 127.0.0.1:6379`, `memcached at 127.0.0.1:11211`. */
  readonly endpoint: string;
}

/**
 * One connection's up/down state, turned into `connectionLost` (a ready connection
 * closed) and `connectionRestored` (ready again after a loss, with `downMs`). A store
 * calls {@link ConnectionEvents.ready} and {@link ConnectionEvents.closed} from its
 * driver's events and leaves out the closes its own `close()` causes. A connection
 * that never was ready loses nothing: failed first attempts emit no event.
 */
export class ConnectionEvents {
  readonly #events: CacheEvents;
  readonly #source: ConnectionSource;
  #up: boolean;
  #lostAtMs = 0;

  /** `up`: whether the connection is ready now. */
  constructor(events: CacheEvents, source: ConnectionSource, up = false) {
    this.#events = events;
    this.#source = source;
    this.#up = up;
  }

  /** The connection is ready (again). */
  ready(): void {
    const wasLost = !this.#up && this.#lostAtMs > 0;
    this.#up = true;
    if (wasLost && this.#events.wants('connectionRestored'))
      this.#events.emit('connectionRestored', {
        ...this.#source,
        downMs: Date.now() - this.#lostAtMs,
      });
  }

  /** The connection closed (not by the cache's own `close()`). */
  closed(): void {
    if (!this.#up) return;
    this.#up = false;
    this.#lostAtMs = Date.now();
    if (this.#events.wants('connectionLost'))
      this.#events.emit('connectionLost', { ...this.#source });
  }
}
