import type { CacheError } from '@pywatt/cache-core';
import type { FrameSink } from '../protocol/frame-sink.js';
import { type PushedInvalidation, writePush } from '../protocol/push-frame.js';
import type { WireValue } from '../protocol/values.js';
import type { Transport } from '../transport/transport.js';
import type { InvalidationHub, PushSubscriber } from './invalidation-hub.js';

/**
 * The push side of one connection that asked for `push` in HELLO: its
 * subscription in the hub, and the PUSH frames it is sent, numbered 1, 2, 3…
 */
export class PushSubscription implements PushSubscriber {
  readonly scope: string;
  prefixes: readonly string[] = [];
  readonly #hub: InvalidationHub;
  readonly #sink: FrameSink;
  readonly #transport: () => Transport | undefined;
  readonly #stalled: () => void;
  #seq = 0;
  #subscribed = false;

  /** `stalled` is called (instead of queueing more) when the peer has stopped reading. */
  constructor(
    hub: InvalidationHub,
    scope: string,
    sink: FrameSink,
    transport: () => Transport | undefined,
    stalled: () => void,
  ) {
    this.#hub = hub;
    this.scope = scope;
    this.#sink = sink;
    this.#transport = transport;
    this.#stalled = stalled;
  }

  /** True once a `subscribe` succeeded: the connection then never idles out. */
  get subscribed(): boolean {
    return this.#subscribed;
  }

  /**
   * Runs a `subscribe` request: the answer is the last sequence number sent,
   * or the CacheError to answer with (a bad prefix list).
   */
  subscribe(prefixes: WireValue): { seq: number } | { error: CacheError } {
    try {
      this.#hub.subscribe(this, prefixes);
    } catch (error) {
      return { error: error as CacheError };
    }
    this.#subscribed = true;
    return { seq: this.#seq };
  }

  push(origin: string, invalidation: PushedInvalidation): void {
    // A subscriber that stopped reading would make the server buffer without bound;
    // dropping it is safe: a client empties its L1 when its subscription is lost.
    if (this.#transport()?.congested) {
      this.#stalled();
      return;
    }
    writePush(this.#sink.writer, ++this.#seq, origin, invalidation);
    this.#sink.flushSoon();
  }

  /** Leaves the hub (the connection closed). */
  end(): void {
    this.#hub.unsubscribe(this);
  }
}
