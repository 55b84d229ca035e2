import { Redis } from 'ioredis';
import type { Dispatcher } from './dispatch.js';

/**
 * Events of a failover before its `SLAVEOF NO ONE`, earliest first. Sentinel runs one
 * failover state per tick (10–19 per second), so `+try-failover` (sent when the failover
 * starts, or at once for `SENTINEL FAILOVER`) leaves two ticks or more before the promotion.
 */
const STARTING = [
  '+try-failover',
  '+elected-leader',
  '+failover-state-select-slave',
  '+selected-slave',
  '+failover-state-send-slaveof-noone',
];
/** The failover gave up: the old master stays the master. */
const ABORTED = [
  '-failover-abort-not-elected',
  '-failover-abort-no-good-slave',
  '-failover-abort-slave-timeout',
];
const SWITCHED = '+switch-master';
/** How long commands wait on the wrong master before the client reconnects again. */
const RETRY_MS = 100;

/** Where the sentinels are and which master to follow. */
export interface SentinelWatchOptions {
  readonly sentinels: ReadonlyArray<{ host: string; port: number }>;
  readonly name: string;
  /** Longest hold when no `+switch-master` or abort arrives (a lost event, a failover that stalls), in ms. */
  readonly maxHoldMs: number;
  /** Reconnect delay of the subscriber connections. */
  readonly retryStrategy: (attempt: number) => number;
}

/**
 * Follows a Sentinel failover without losing acknowledged writes.
 *
 * Sentinel promotes the chosen replica (`SLAVEOF NO ONE`) and only later
 * announces `+switch-master`; the old master keeps accepting writes until
 * Sentinel demotes it (about 16 s after a `SENTINEL FAILOVER`), and every write
 * it acknowledges after the promotion is lost. So this subscribes to every
 * configured sentinel and, from the moment one announces a failover of this
 * master (`+try-failover`, two Sentinel ticks or more before the
 * `SLAVEOF NO ONE`), holds the cache's commands in the {@link Dispatcher}; on
 * `+switch-master` it reconnects the client (ioredis asks the sentinels for the
 * master again) and releases the commands once the client is ready on the
 * announced address. An aborted failover releases them to the old master.
 * Held commands keep their `operationTimeoutMs`.
 */
export class SentinelWatch {
  readonly #client: Redis;
  readonly #dispatcher: Dispatcher;
  readonly #options: SentinelWatchOptions;
  readonly #subscribers: Redis[] = [];
  /** `host:port` announced by `+switch-master`, while the client is not there yet. */
  #target: string | undefined;
  #holdTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(client: Redis, dispatcher: Dispatcher, options: SentinelWatchOptions) {
    this.#client = client;
    this.#dispatcher = dispatcher;
    this.#options = options;
    client.on('ready', this.#onReady);
  }

  /**
   * Subscribes to the sentinels' failover events; resolves once each has answered or
   * failed, or after `waitMs` (a sentinel that is down keeps retrying in the background).
   */
  async start(waitMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, waitMs);
    });
    const subscribed = Promise.allSettled(
      this.#options.sentinels.map(async ({ host, port }) => {
        const subscriber = new Redis({
          host,
          port,
          lazyConnect: true,
          retryStrategy: this.#options.retryStrategy,
          maxRetriesPerRequest: null,
        });
        subscriber.on('error', () => undefined);
        subscriber.on('message', this.#onMessage);
        this.#subscribers.push(subscriber);
        await subscriber.subscribe(...STARTING, ...ABORTED, SWITCHED);
      }),
    );
    await Promise.race([subscribed, waited]);
    clearTimeout(timer);
  }

  /** Ends the subscriptions and timers; releases nothing (the cache rejects what is held). */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#holdTimer);
    clearTimeout(this.#retryTimer);
    this.#client.off('ready', this.#onReady);
    for (const subscriber of this.#subscribers) subscriber.disconnect();
  }

  readonly #onMessage = (channel: string, message: string): void => {
    if (this.#closed) return;
    const words = message.split(' ');
    if (channel === SWITCHED) {
      // "<name> <old ip> <old port> <new ip> <new port>"
      if (words[0] !== this.#options.name) return;
      this.#hold();
      this.#target = `${words[3]}:${words[4]}`;
      if (this.#onTarget()) this.#release();
      // Only a ready client is cut off: one still connecting asks the sentinels anew and, if
      // it lands on the old master, #onReady moves it (ioredis ends a client for good when
      // disconnect() meets it resolving the master through a sentinel).
      else if (this.#client.status === 'ready') this.#client.disconnect(true);
      return;
    }
    // Instance events: "<type> <name> <ip> <port> [@ <master name> <ip> <port>]".
    const master = words[4] === '@' ? words[5] : words[1];
    if (master !== this.#options.name) return;
    if (STARTING.includes(channel)) this.#hold();
    else if (this.#target === undefined) this.#release();
  };

  readonly #onReady = (): void => {
    if (this.#target === undefined) return;
    if (this.#onTarget()) {
      this.#release();
      return;
    }
    // Asked a sentinel that has not heard of the switch yet: try again shortly.
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      if (
        !this.#closed &&
        this.#target !== undefined &&
        this.#client.status === 'ready' &&
        !this.#onTarget()
      )
        this.#client.disconnect(true);
    }, RETRY_MS);
    this.#retryTimer.unref();
  };

  #onTarget(): boolean {
    const stream = this.#client.stream;
    return (
      this.#client.status === 'ready' &&
      stream !== undefined &&
      `${stream.remoteAddress}:${stream.remotePort}` === this.#target
    );
  }

  #hold(): void {
    if (this.#dispatcher.holding) return;
    this.#dispatcher.hold();
    this.#holdTimer = setTimeout(this.#release, this.#options.maxHoldMs);
    this.#holdTimer.unref();
  }

  readonly #release = (): void => {
    clearTimeout(this.#holdTimer);
    clearTimeout(this.#retryTimer);
    this.#target = undefined;
    this.#dispatcher.release();
  };
}
